"""Records of an uploaded file, read incrementally: CSV (header row; `a.b` columns become nested
fields; a cell an export neutralised against spreadsheet formulas, `'=...`, reads as it was
exported: kit.csv_cells) or JSON (an array of objects, or one object per line)."""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from typing import IO, Any

from onecast.kit.csv_cells import restore


class FileProblem(ValueError):
    """The file as a whole cannot be read (not one bad record)."""


Record = tuple[int, dict[str, Any] | None, str | None]  # (line, fields, why the record is bad)


def _nest(flat: dict[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in flat.items():
        if value == "" or key is None:
            continue  # an empty cell means "no value", not an empty string
        parts = key.split(".")
        target = doc
        for part in parts[:-1]:
            target = target.setdefault(part, {}) if isinstance(target.get(part, {}), dict) else {}
        target[parts[-1]] = value
    return doc


def csv_records(raw: IO[bytes], id_column: str | None = None) -> Iterator[Record]:
    """Strict CSV: a quote left open is a syntax error at the line it opened on (leniently read,
    it swallowed the rest of the file into one cell)."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text, strict=True)
    started = 1
    try:
        header = reader.fieldnames
        if not header or any(not (name or "").strip() for name in header):
            raise FileProblem("the first line must be a header naming every column")
        if len(set(header)) != len(header):
            raise FileProblem("the header names a column twice")
        if id_column is not None and id_column not in {restore(name.strip()) for name in header}:
            raise FileProblem(f"the header has no {id_column!r} column, which holds the profile id "
                              f"(name another with idField / --id-field); it has: {', '.join(header)[:200]}")
        started = reader.line_num + 1
        for row in reader:
            if None in row:
                yield reader.line_num, None, "has more cells than the header"
            else:
                cells = {restore(k.strip()): restore(v) for k, v in row.items() if v is not None}
                yield reader.line_num, _nest(cells), None
            started = reader.line_num + 1
    except UnicodeDecodeError:
        raise FileProblem("the file is not UTF-8 text") from None
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise FileProblem(f"CSV syntax error at line {started}: a quoted cell (\") opened there is "
                              "never closed") from None
        raise FileProblem(f"CSV syntax error at line {started}: {exc}") from None
    finally:
        text.detach()


def json_records(raw: IO[bytes]) -> Iterator[Record]:
    """A JSON array is parsed whole; anything else is read as JSON Lines (one object per line)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    head = raw.read(1)
    while head in (b" ", b"\n", b"\r", b"\t"):
        head = raw.read(1)
    try:
        if head == b"[":
            items = json.loads(decoder.decode(b"[" + raw.read(), final=True))
            for index, item in enumerate(items, start=1):
                yield (index, item, None) if isinstance(item, dict) else (index, None, "is not a JSON object")
            return
        pending = decoder.decode(head)
        for number, line in enumerate(_lines(raw, decoder, pending), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                yield number, None, f"is not valid JSON: {exc.msg}"
                continue
            yield (number, item, None) if isinstance(item, dict) else (number, None, "is not a JSON object")
    except UnicodeDecodeError:
        raise FileProblem("the file is not UTF-8 text") from None
    except ValueError as exc:
        raise FileProblem(f"not valid JSON: {exc}") from None


def _lines(raw: IO[bytes], decoder: codecs.IncrementalDecoder, pending: str) -> Iterator[str]:
    while chunk := raw.read(64 * 1024):
        pending += decoder.decode(chunk)
        *complete, pending = pending.split("\n")
        yield from complete
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def records(fmt: str, raw: IO[bytes], id_field: str | None = None) -> Iterator[Record]:
    return csv_records(raw, id_field) if fmt == "csv" else json_records(raw)
