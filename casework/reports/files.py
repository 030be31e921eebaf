"""Aggregate reports as CSV and XLSX files (small: built in memory).

Every cell goes through casework.reports.cells.neutralise. The XLSX has a second sheet,
"About this report", with the filters, the period, who made it and when, and the
suppression rule, so the file explains itself when it is passed on.
"""

from __future__ import annotations

import csv
import io

import xlsxwriter
from flask import Response
from flask_babel import gettext as _

from casework.reports.aggregate import DIMENSIONS
from casework.reports.cells import neutralise
from casework.reports.stream import CSV_MIMETYPE, XLSX_MIMETYPE
from casework.services.reports import Report, describe

FILE_TYPES = {"csv": (CSV_MIMETYPE, "csv"), "xlsx": (XLSX_MIMETYPE, "xlsx")}


def _table(report: Report) -> tuple[list[str], list[list]]:
    group_by = report.spec.group_by
    header = [str(DIMENSIONS[d].label) for d in group_by] + [_("Count")]
    rows = []
    for figure in report.cells + report.totals:
        labels = [report.label(d, v) for d, v in zip(group_by, figure.key, strict=True)]
        count = figure.count if not figure.suppressed else report.shown(figure)
        rows.append([*labels, count] if group_by else [_("Total"), count])
    if not group_by:
        header = [_("Total"), _("Count")]
    return header, rows


def report_csv(report: Report) -> bytes:
    header, rows = _table(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def report_xlsx(report: Report) -> bytes:
    header, rows = _table(report)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("Report")[:31])
    sheet.write_row(0, 0, [neutralise(h) for h in header], bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, [neutralise(v) for v in row])
    sheet.set_column(0, len(header) - 1, 22)
    sheet.freeze_panes(1, 0)
    about = book.add_worksheet(_("About this report")[:31])
    about.set_column(0, 0, 18)
    about.set_column(1, 1, 90)
    for number, (name, value) in enumerate(describe(report)):
        about.write_string(number, 0, str(neutralise(name)), bold)
        about.write_string(number, 1, str(neutralise(value)))
    book.close()
    return out.getvalue()


def file_response(report, file_format: str) -> Response:
    mimetype, extension = FILE_TYPES[file_format]
    body = report_csv(report) if file_format == "csv" else report_xlsx(report)
    name = f"casework-report-{report.spec.subject}-{report.generated_at:%Y-%m-%d}.{extension}"
    return Response(
        body,
        # content_type is sent as given; `mimetype=` would add a second "; charset=utf-8".
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
