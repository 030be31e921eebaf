"""/api/v1/reports/summary: aggregate counts with small-cell suppression (no records)."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from casework.auth.permissions import Permission, require
from casework.blueprints.api.bs_dates import InputSchema, OutputSchema
from casework.blueprints.api.schemas import PeriodSchema
from casework.domain import workflow
from casework.domain.calendar import CALENDARS, DIGITS
from casework.extensions import db
from casework.i18n import LANGUAGES
from casework.reports import files, presentation
from casework.reports.aggregate import DIMENSIONS, SUBJECTS
from casework.reports.suppression import TOTAL
from casework.services import reports as service

blp = Blueprint("api_reports", __name__, description="Aggregate reports")


class SummaryQuerySchema(InputSchema):
    group_by = fields.String(
        load_default="",
        metadata={
            "description": "Up to three of: " + ", ".join(DIMENSIONS) + " (comma-separated)."
        },
    )
    subject = fields.String(
        load_default="beneficiaries",
        validate=validate.OneOf(list(SUBJECTS)),
        metadata={"description": "What is counted: people (default), cases or referrals."},
    )
    kind = fields.String(load_default=None, validate=validate.OneOf(list(workflow.KINDS)))
    office = fields.String(load_default=None, validate=validate.Length(max=8))
    start = fields.Date(data_key="from", load_default=None)
    end = fields.Date(data_key="to", load_default=None)
    fiscal_year = fields.String(
        load_default=None,
        validate=validate.Length(max=9),
        metadata={"description": "A Nepali fiscal year such as 2082/83, instead of from/to."},
    )
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))
    # How a file (format=csv|xlsx) is written: casework.reports.presentation.
    lang = fields.String(
        load_default=None,
        validate=validate.OneOf(list(LANGUAGES)),
        metadata={
            "description": "Language of the file and of error messages: en or ne. Default: "
            "en for the file, whatever the user reads on the pages."
        },
    )
    calendar = fields.String(
        load_default=None,
        validate=validate.OneOf(CALENDARS),
        metadata={
            "description": "Dates of the file (the period, when it was made): ad, bs or both. "
            "Default: ad."
        },
    )
    digits = fields.String(
        load_default=None,
        validate=validate.OneOf(DIGITS),
        metadata={
            "description": "latin or devanagari digits in an XLSX's text (its counts stay "
            "numbers; a CSV is always in Latin digits). Default: latin."
        },
    )


class FigureSchema(OutputSchema):
    class Meta:
        unknown = ma.INCLUDE

    count = fields.Integer(allow_none=True)
    suppressed = fields.Boolean()


class SummarySchema(OutputSchema):
    rows = fields.List(
        fields.Dict(),
        metadata={"description": "{dimension: code, …, count: N or null, suppressed: bool}"},
    )
    totals = fields.List(
        fields.Dict(),
        metadata={"description": "Sums over some dimensions (those left out), suppressed too."},
    )
    total = fields.Nested(FigureSchema)
    threshold = fields.Integer()
    subject = fields.String()
    group_by = fields.List(fields.String())
    period = fields.Nested(PeriodSchema)


def _figure(report, figure) -> dict:
    return {
        **figure.values(report.spec.group_by),
        "count": figure.count,
        "suppressed": figure.suppressed,
    }


# format=csv|xlsx answers the same report as a file. An alt_response for the same status
# replaced nothing, so the document promised JSON only (found by the API fuzzing).
_FILE = {"schema": {"type": "string", "format": "binary"}}
FILE_CONTENT = {
    "description": "The report as JSON, or with format=csv|xlsx as a file download.",
    "content": {
        "application/json": {"schema": SummarySchema},
        **{mimetype: _FILE for mimetype, _extension in files.FILE_TYPES.values()},
    },
}


@blp.before_request
def aggregate_only() -> None:
    require(current_user, Permission.AGGREGATE_VIEW)


@blp.get("/reports/summary")
@blp.arguments(SummaryQuerySchema, location="query")
@blp.response(200, SummarySchema)
@blp.doc(responses={"200": FILE_CONTENT})
def summary(args):
    """Counts grouped by up to three dimensions; small counts are suppressed (null)."""
    file_format = args.pop("format")
    style = presentation.choose_for_api(args.pop("lang"), args.pop("calendar"), args.pop("digits"))
    report = service.run(current_user, service.parse_spec(**args))
    if file_format != "json":
        service.record_download(current_user, report.spec, file_format, style)
        db.session.commit()
        return files.file_response(report, file_format, style)
    grand = report.grand_total
    return {
        "rows": [_figure(report, f) for f in report.cells],
        "totals": [_figure(report, f) for f in report.totals if any(v is not TOTAL for v in f.key)],
        "total": {"count": grand.count, "suppressed": grand.suppressed},
        "threshold": report.threshold,
        "subject": report.spec.subject,
        "group_by": list(report.spec.group_by),
        "period": report.spec.period,
    }
