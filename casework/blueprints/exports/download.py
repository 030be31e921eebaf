"""The response that sends a finished export (for the page and the API alike)."""

from __future__ import annotations

from flask import Response, send_file

from casework.reports.exports import ExportFile


def send_export(export: ExportFile) -> Response:
    """Send the spooled file as an attachment; call only after the audit is committed."""
    response = send_file(
        export.file,
        mimetype=export.mimetype,
        as_attachment=True,
        download_name=export.filename,
        conditional=False,
        max_age=0,
    )
    response.content_length = export.size
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy in any cache
    response.headers["X-Export-Rows"] = str(export.rows)
    return response
