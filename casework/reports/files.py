"""Aggregate reports as CSV and XLSX files (small: built in memory).

Every cell goes through casework.reports.cells.neutralise. The XLSX has a second sheet,
"About this report", with the filters, the period, who made it and when, and the
suppression rule, so the file explains itself when it is passed on.

A file is written in a language, calendar and digits (casework.reports.presentation): a
CSV always in Latin digits, so that it stays machine-readable; an XLSX keeps its counts
as numbers whatever the digits. Its name stays ASCII, for every browser and mail
program: `casework-report-cases-2082-83-ne.xlsx` (the fiscal year, or the day it was
made, and the language unless it is English).
"""

from __future__ import annotations

import csv
import io

import xlsxwriter
from flask import Response

from casework.i18n import Preferences
from casework.reports.cells import neutralise
from casework.reports.presentation import Table, machine_readable, present
from casework.reports.stream import CSV_MIMETYPE, XLSX_MIMETYPE

FILE_TYPES = {"csv": (CSV_MIMETYPE, "csv"), "xlsx": (XLSX_MIMETYPE, "xlsx")}


def _rows(table: Table) -> list[list]:
    """Labels, then the count: a number where it is shown, else its marker (`<5`, `x`)."""
    return [
        [*line.labels, line.count if line.count is not None else line.shown] for line in table.lines
    ]


def report_csv(report, style: Preferences | None = None) -> bytes:
    table = present(report, machine_readable(style or Preferences()))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in table.header])
    for row in _rows(table):
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def report_xlsx(report, style: Preferences | None = None) -> bytes:
    table = present(report, style or Preferences())
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(table.sheet_name)
    sheet.write_row(0, 0, [neutralise(h) for h in table.header], bold)
    for number, row in enumerate(_rows(table), start=1):
        sheet.write_row(number, 0, [neutralise(v) for v in row])
    sheet.set_column(0, len(table.header) - 1, 22)
    sheet.freeze_panes(1, 0)
    about = book.add_worksheet(table.about_sheet_name)
    about.set_column(0, 0, 18)
    about.set_column(1, 1, 90)
    for number, (name, value) in enumerate(table.about):
        about.write_string(number, 0, str(neutralise(name)), bold)
        about.write_string(number, 1, str(neutralise(value)))
    book.close()
    return out.getvalue()


def filename(report, style: Preferences, extension: str) -> str:
    period = report.spec.period
    when = (
        period.fiscal_year.replace("/", "-")
        if period.fiscal_year
        else f"{report.generated_at:%Y-%m-%d}"
    )
    language = "" if style.language == "en" else f"-{style.language}"
    return f"casework-report-{report.spec.subject}-{when}{language}.{extension}"


def file_response(report, file_format: str, style: Preferences | None = None) -> Response:
    style = style or Preferences()
    mimetype, extension = FILE_TYPES[file_format]
    body = report_csv(report, style) if file_format == "csv" else report_xlsx(report, style)
    return Response(
        body,
        # content_type is sent as given; `mimetype=` would add a second "; charset=utf-8".
        content_type=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename(report, style, extension)}"'
        },
    )
