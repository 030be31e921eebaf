"""/api/v1/exports/{beneficiaries|cases|referrals}: individual-level downloads.

Supervisors get their own office's records, admins every office's (DESIGN.md, Contracts).
The file is CSV or XLSX; with an `X-Export-Password` header it comes inside an AES-256
encrypted ZIP (a password must never sit in a URL, where logs and browser history keep it).
Unknown query parameters are refused: a misspelt filter must not export everything.
"""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from casework.auth.permissions import Permission, require
from casework.blueprints.api.bs_dates import InputSchema
from casework.blueprints.api.schemas import one_of
from casework.blueprints.exports.download import send_export
from casework.domain import codes, workflow
from casework.domain.calendar import CALENDARS
from casework.domain.ids import MAX_ID
from casework.extensions import db
from casework.i18n import LANGUAGES
from casework.reports import exports, presentation, stream

blp = Blueprint(
    "api_exports", __name__, description="Individual-level exports (supervisors and admins)"
)


@blp.before_request
def exporters_only() -> None:
    """Refuse roles without the export permission before parsing input."""
    require(current_user, Permission.EXPORT_INDIVIDUAL)


def _columns(spec: exports.Dataset) -> fields.String:
    keys = ", ".join(c.key for c in spec.columns)
    defaults = ",".join(c.key for c in spec.defaults)
    return fields.String(
        load_default="",
        metadata={
            "description": f"Comma-separated column keys, in the order wanted (the header "
            f"row of an English export gives these keys). Default: `{defaults}`. All: {keys}."
        },
    )


class ExportQuerySchema(InputSchema):
    format = fields.String(load_default="csv", validate=one_of(exports.FORMATS))
    office = fields.String(
        load_default=None,
        metadata={"description": "Admins: one office's records. Supervisors get their own."},
    )
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    lang = fields.String(
        load_default=None,
        validate=one_of(LANGUAGES),
        metadata={
            "description": "Language of the file and of error messages: en or ne (default: "
            "en for the file, whatever the user reads on the pages). An English file has the column keys as its header and "
            "codes as values; a Nepali file has the columns' Nepali names, labels for codes "
            "and Devanagari place names."
        },
    )
    calendar = fields.String(
        load_default=None,
        validate=one_of(CALENDARS),
        metadata={
            "description": "ad, bs or both (default: ad). With bs or both, "
            "each date or time column is followed by `<key>_bs`, its BS date (YYYY-MM-DD; "
            "for a time, the BS date of its day in Nepal; empty outside BS 1975-2100)."
        },
    )

    @ma.post_load
    def split_columns(self, data: dict, **kwargs) -> dict:
        text = (data.pop("columns", "") or "").strip()
        data["columns"] = [c.strip() for c in text.split(",")] if text else None
        return data


class BeneficiaryExportQuerySchema(ExportQuerySchema):
    columns = _columns(exports.BENEFICIARIES)
    q = fields.String(
        load_default="", metadata={"description": "Name, registration number or phone."}
    )
    district_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    sex = fields.String(load_default=None, validate=one_of(codes.SEX))


class CaseExportQuerySchema(ExportQuerySchema):
    columns = _columns(exports.CASES)
    kind = fields.String(load_default=None, validate=one_of(workflow.KINDS))
    status = fields.String(load_default=None, validate=one_of(workflow.STATUSES))
    open_only = fields.Boolean(
        data_key="open",
        load_default=False,
        metadata={"description": "Only open cases (not closed)."},
    )
    assigned_to = fields.String(load_default=None, metadata={"description": "A username."})


class ReferralExportQuerySchema(ExportQuerySchema):
    columns = _columns(exports.REFERRALS)
    status = fields.String(load_default=None, validate=one_of(workflow.REFERRAL_STATUSES))
    service = fields.String(load_default=None, validate=one_of(codes.SERVICES))


class ExportHeadersSchema(InputSchema):
    password = fields.String(
        data_key="X-Export-Password",
        load_default=None,
        validate=validate.Length(min=exports.MIN_PASSWORD, max=exports.MAX_PASSWORD),
        metadata={
            "description": "Give one to get the file inside an AES-256 encrypted ZIP "
            f"(at least {exports.MIN_PASSWORD} characters)."
        },
    )


_BINARY = {"schema": {"type": "string", "format": "binary"}}
DOWNLOAD = {
    "200": {
        "description": "The file, as an attachment named e.g. "
        "`casework-cases-KTM-2026-12-01.csv` (`…-ne.csv` in Nepali). Every cell that a "
        "spreadsheet would run as a formula starts with an apostrophe. Times are UTC.",
        "headers": {
            "X-Export-Rows": {
                "description": "The number of rows of data",
                "schema": {"type": "integer"},
            }
        },
        "content": {
            "text/csv": _BINARY,
            stream.XLSX_MIMETYPE: _BINARY,
            stream.ZIP_MIMETYPE: _BINARY,
        },
    },
    "403": {"description": "Only supervisors and admins export individual records."},
}


def _download(dataset: str, args: dict, headers: dict):
    columns = args.pop("columns")
    fmt = args.pop("format")
    style = presentation.choose_for_api(args.pop("lang"), args.pop("calendar"))
    result = exports.export(
        current_user,
        dataset,
        columns=columns,
        filters=exports.ExportFilters(**args),
        fmt=fmt,
        password=headers.get("password"),
        language=style.language,
        calendar=style.calendar,
    )
    db.session.commit()  # the audit event is stored before a byte is sent
    return send_export(result)


@blp.get("/exports/beneficiaries")
@blp.arguments(BeneficiaryExportQuerySchema, location="query", unknown=ma.RAISE)
@blp.arguments(ExportHeadersSchema, location="headers")
@blp.doc(responses=DOWNLOAD)
def export_beneficiaries(args, headers):
    """Beneficiaries, with the list's filters and the registration day (`from`, `to`)."""
    return _download("beneficiaries", args, headers)


@blp.get("/exports/cases")
@blp.arguments(CaseExportQuerySchema, location="query", unknown=ma.RAISE)
@blp.arguments(ExportHeadersSchema, location="headers")
@blp.doc(responses=DOWNLOAD)
def export_cases(args, headers):
    """Cases, with the list's filters and the opening day (`from`, `to`). Torture and
    sexual-violence categories read `restricted` for whom may not know them."""
    return _download("cases", args, headers)


@blp.get("/exports/referrals")
@blp.arguments(ReferralExportQuerySchema, location="query", unknown=ma.RAISE)
@blp.arguments(ExportHeadersSchema, location="headers")
@blp.doc(responses=DOWNLOAD)
def export_referrals(args, headers):
    """Referrals, with their status and service filters and the day they were created."""
    return _download("referrals", args, headers)
