"""Writers for downloads too large to hold in memory: CSV, XLSX and AES-encrypted ZIP.

Each writer takes rows one at a time from an iterator and writes them to a spooled
temporary file (kept in memory while small, moved to an anonymous file on disk past
SPOOL_MEMORY bytes), so the server's memory stays flat whatever the number of rows. Every
cell, the header too, goes through `cells.neutralise`: nothing we write runs as a formula.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import IO

import pyzipper
import xlsxwriter

from casework.reports.cells import neutralise

SPOOL_MEMORY = 512 * 1024  # bytes a download may take in memory before it moves to disk
XLSX_MAX_ROWS = 1_048_575  # rows of data per sheet (Excel's limit, less the header)
COPY_CHUNK = 64 * 1024

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MIMETYPE = "application/zip"


def spool() -> IO[bytes]:
    """A binary temporary file: in memory while small, an unlinked disk file past that."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, mode="w+b")  # noqa: SIM115


def _utc(moment: datetime) -> datetime:
    """A naive UTC datetime (spreadsheets keep no time zone; every time we store is UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _csv_text(value) -> str | int | float:
    """A neutralised cell as CSV text (a million rows pass here: the common case first)."""
    if value.__class__ is str:
        return value
    if isinstance(value, datetime):
        return _utc(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Write a UTF-8 CSV (with a byte order mark, so Excel reads Devanagari); the row count.

    Times are UTC, as `YYYY-MM-DD HH:MM:SS`.
    """
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(text)
        writer.writerow([neutralise(h) for h in header])
        count = 0
        for row in rows:
            writer.writerow([_csv_text(neutralise(value)) for value in row])
            count += 1
        text.flush()
    finally:
        text.detach()  # leave `out` open for the caller
    return count


def write_xlsx(
    out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence], *, sheet_name: str
) -> int:
    """Write an XLSX in constant-memory mode (each row goes to disk as it is written).

    Rows past a sheet's limit continue on a new sheet with the same header, never dropped.
    """
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # Text stays text: no formulas, links or numbers guessed from strings.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    titles = [neutralise(h) for h in header]

    def new_sheet(number: int):
        sheet = workbook.add_worksheet(sheet_name if number == 1 else f"{sheet_name} {number}")
        sheet.set_column(0, max(len(titles) - 1, 0), 18)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, titles, bold)
        return sheet

    sheets = 1
    sheet = new_sheet(sheets)
    line = 0  # the data row on the current sheet
    count = 0
    for row in rows:
        if line == XLSX_MAX_ROWS:
            sheets += 1
            sheet, line = new_sheet(sheets), 0
        line += 1
        for column, value in enumerate(row):
            value = neutralise(value)
            if isinstance(value, datetime):
                sheet.write_datetime(line, column, _utc(value), moment)
            elif isinstance(value, date):
                sheet.write_datetime(line, column, value, day)
            elif isinstance(value, int | float):
                sheet.write_number(line, column, value)
            elif value != "":
                sheet.write_string(line, column, value)
        count += 1
    workbook.close()
    return count


def encrypt(source: IO[bytes], member_name: str, password: str) -> IO[bytes]:
    """A new spooled file: an AES-256 ZIP (WinZip AES) holding `source` as `member_name`.

    The source is copied in chunks; CSV is compressed, XLSX (already a ZIP) is stored.
    """
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    compression = pyzipper.ZIP_STORED if member_name.endswith(".xlsx") else pyzipper.ZIP_DEFLATED
    out = spool()
    try:
        with pyzipper.AESZipFile(
            out, "w", compression=compression, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode("utf-8"))
            archive.setencryption(pyzipper.WZ_AES, nbits=256)
            info = archive.zipinfo_cls(
                filename=member_name, date_time=datetime.now(UTC).timetuple()[:6]
            )
            info.compress_type = compression
            info.file_size = size  # lets the writer choose ZIP64 for a very large member
            with archive.open(info, "w") as member:
                shutil.copyfileobj(source, member, COPY_CHUNK)
    except BaseException:
        out.close()
        raise
    return out
