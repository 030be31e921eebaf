"""What goes into a spreadsheet cell: values a spreadsheet would run as a formula are not.

Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@`
(and, in some versions, a tab or carriage return before one) as a formula, which can run
commands or send data away (OWASP "CSV injection"). Such text gets a leading apostrophe,
which every spreadsheet shows as plain text. Numbers, dates and booleans are left as they
are: a negative number is a number, not a formula.
"""

from __future__ import annotations

from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def neutralise(value):
    """The value as it may be written to a CSV or XLSX cell."""
    # Text first and without isinstance chains: exports call this for every cell.
    if value.__class__ is str:
        return "'" + value if value and value[0] in _FORMULA_FIRST else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, date, datetime)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
