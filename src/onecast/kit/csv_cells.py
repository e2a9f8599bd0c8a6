"""CSV cells that a spreadsheet opens as text, never as a formula (OWASP "CSV injection").

A cell starting with = + - @ tab or CR is a formula to Excel, LibreOffice and Google Sheets
(`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`), so exports prefix it with a single quote, which they
show as text. Exempt: a cell that is only a number (`+447700900123`, `-12.5`, `+44 7700 900123`),
which a spreadsheet reads as a number with no function to call. Quotes already at the start of a
dangerous cell get one more, so `restore` (used by the CSV import) gives back exactly what was
exported."""
from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9 .]*[0-9][0-9 .]*")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    if cell.lstrip("'")[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The value `neutralise` was given (a cell it did not change comes back as it is)."""
    return cell[1:] if _NEUTRALISED.match(cell) else cell
