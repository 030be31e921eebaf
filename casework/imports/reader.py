"""Reading an uploaded CSV or XLSX file safely into a header and rows of cells.

Everything that is wrong with the file itself is refused here with a message naming the
problem (a ValidationError on the field `file`), before any row is looked at:

- a type other than .csv or .xlsx; a size over IMPORT_MAX_BYTES; more rows than
  IMPORT_MAX_ROWS;
- CSV not in UTF-8 (with or without a byte-order mark);
- XLSX that is not a ZIP (an encrypted, password-protected workbook is an OLE compound
  file, as is an old .xls), a ZIP whose directory announces more than
  IMPORT_MAX_UNCOMPRESSED bytes or a compression ratio no spreadsheet has (a zip bomb:
  checked before anything is decompressed), a workbook with external links.

openpyxl parses in read-only mode; with defusedxml installed it refuses XML entity
tricks. Formulas are never evaluated, and their cached values are not trusted either: a
cell holding a formula is reported as that row's error (paste values instead).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from flask_babel import gettext as _

from casework.errors import ValidationError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_RATIO = 200  # XML of a spreadsheet compresses 5-20 times; a bomb thousands of times
MAX_ZIP_ENTRIES = 2_000


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_rows: int = 50_000
    max_uncompressed: int = 300 * 1024 * 1024


@dataclass
class Sheet:
    """The header row and the data rows; `numbers[i]` is the file's row number of
    `rows[i]` (as a spreadsheet shows it: the header is row 1)."""

    headers: list[str]
    rows: list[list] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row index, column)


def refuse(message: str) -> ValidationError:
    return ValidationError(message, fields={"file": [message]})


def read(file_name: str, content: bytes, limits: Limits) -> Sheet:
    if len(content) > limits.max_bytes:
        raise refuse(
            _("The file is larger than %(mb)d MB; split it.", mb=limits.max_bytes // 2**20)
        )
    suffix = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix == "csv":
        sheet = _read_csv(content, limits)
    elif suffix == "xlsx":
        sheet = _read_xlsx(content, limits)
    elif suffix == "xls":
        raise refuse(_("Old Excel files (.xls) are not read; save the file as .xlsx or CSV."))
    else:
        raise refuse(_("Upload a CSV (.csv) or Excel (.xlsx) file."))
    if not any(sheet.headers):
        raise refuse(_("The file has no header row."))
    return sheet


# --- CSV ---------------------------------------------------------------------------------


def _read_csv(content: bytes, limits: Limits) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse(
            _(
                "The CSV file is not in UTF-8 (byte %(at)d). Save it as “CSV UTF-8” "
                "and upload it again.",
                at=error.start,
            )
        ) from error
    if "\x00" in text:
        raise refuse(_("This is not a text (CSV) file."))
    lines = text.splitlines()
    delimiter = _delimiter(lines[0] if lines else "")
    sheet: Sheet | None = None
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            if sheet is None:
                sheet = Sheet(headers=[cell.strip() for cell in row])
            else:
                _add_row(sheet, number, row, limits)
    except csv.Error as error:
        raise refuse(_("The CSV file cannot be read: %(error)s.", error=str(error))) from error
    return sheet or Sheet(headers=[])


def _delimiter(header_line: str) -> str:
    """Comma, semicolon (European Excel, some KoBo exports) or tab: the most common one."""
    return max((",", ";", "\t"), key=header_line.count)


def _add_row(sheet: Sheet, number: int, row: list, limits: Limits) -> None:
    if not any(cell not in (None, "") and str(cell).strip() for cell in row):
        return  # empty rows are skipped, the numbering of the others stays the file's
    if len(sheet.rows) >= limits.max_rows:
        raise refuse(
            _("The file has more than %(n)d rows; split it.", n=limits.max_rows),
        )
    sheet.rows.append(list(row))
    sheet.numbers.append(number)


# --- XLSX --------------------------------------------------------------------------------


def _read_xlsx(content: bytes, limits: Limits) -> Sheet:
    if content.startswith(OLE_MAGIC):
        raise refuse(
            _(
                "This workbook is password-protected (encrypted) or in the old Excel format. "
                "Remove the password and save it as .xlsx, then upload it again."
            )
        )
    if not content.startswith(ZIP_MAGIC):
        raise refuse(_("This is not an Excel (.xlsx) file, or it is damaged."))
    _check_zip(content, limits)
    import openpyxl  # only here: the app starts without loading it

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
    except Exception as error:  # noqa: BLE001  (openpyxl raises many kinds for a bad file)
        raise refuse(_("This Excel file cannot be read; it may be damaged.")) from error
    try:
        return _sheet_of(workbook.worksheets[0], limits)
    finally:
        workbook.close()


def _check_zip(content: bytes, limits: Limits) -> None:
    """Refuse zip bombs and external links from the ZIP's directory, before reading."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise refuse(_("This Excel file is damaged (not a readable ZIP).")) from error
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise refuse(_("This Excel file has too many parts to be a spreadsheet."))
    total = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries) or 1
    if total > limits.max_uncompressed or total / packed > MAX_RATIO:
        raise refuse(
            _("This Excel file would expand to %(mb)d MB; it is refused.", mb=total // 2**20)
        )
    names = {entry.filename for entry in entries}
    if any(name.startswith("xl/externalLinks/") for name in names):
        raise refuse(
            _("This workbook links to other files. Copy the values in and remove the links.")
        )
    if "xl/workbook.xml" not in names:
        raise refuse(_("This is not an Excel (.xlsx) workbook."))


def _sheet_of(worksheet, limits: Limits) -> Sheet:
    """Values only (much faster than cells in read-only mode): with data_only=False a
    formula comes back as its text, "=…", and is reported; so is a text cell that starts
    with "=", which a spreadsheet would run as a formula (formula injection)."""
    sheet: Sheet | None = None
    for number, values in enumerate(worksheet.iter_rows(values_only=True), 1):
        if sheet is None:
            if not any(v not in (None, "") for v in values):
                continue  # blank lines above the header
            sheet = Sheet(headers=[("" if v is None else str(v)).strip() for v in values])
            continue
        before = len(sheet.rows)
        _add_row(sheet, number, values, limits)
        if len(sheet.rows) > before:
            for column, value in enumerate(values):
                if isinstance(value, str) and value.startswith("="):
                    sheet.formulas.add((before, column))
    return sheet or Sheet(headers=[])
