"""Marshmallow schemas: what the API accepts and returns (DESIGN.md, Contracts)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from casework.blueprints.api.bs_dates import InputSchema, OutputSchema
from casework.domain import codes
from casework.domain.ids import MAX_ID


class ErrorSchema(OutputSchema):
    error = fields.Dict(metadata={"description": "{code, message, fields: {name: [messages]}}"})


class PageQuerySchema(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class ListSchema(OutputSchema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ProvinceSchema(OutputSchema):
    id = fields.Integer()
    name_en = fields.String()
    name_ne = fields.String()


class DistrictSchema(OutputSchema):
    id = fields.Integer()
    province_id = fields.Integer()
    name_en = fields.String()
    name_ne = fields.String()


class LocalLevelSchema(OutputSchema):
    id = fields.Integer()
    district_id = fields.Integer()
    category = fields.String()
    name_en = fields.String()
    name_ne = fields.String()
    wards = fields.Integer()


class DistrictListSchema(ListSchema):
    items = fields.List(fields.Nested(DistrictSchema))


class LocalLevelListSchema(ListSchema):
    items = fields.List(fields.Nested(LocalLevelSchema))


class ConsentSchema(InputSchema):
    given = fields.Boolean(required=True)
    date = fields.Date(allow_none=True, load_default=None)
    purposes = fields.List(
        fields.String(validate=validate.OneOf(list(codes.CONSENT_PURPOSES))), load_default=list
    )


class DocumentSchema(InputSchema):
    doc_type = fields.String(required=True, validate=validate.OneOf(list(codes.DOCUMENT_TYPES)))
    number = fields.String(required=True)
    issuing_country = fields.String(allow_none=True, load_default=None)


def one_of(table) -> validate.OneOf:
    """Accept the codes of a code table (its keys)."""
    return validate.OneOf(list(table))


def Id(**kwargs) -> fields.Integer:  # noqa: N802  (reads as a field type)
    """A strict integer id: "5" (a string) is refused, as are ids no database can hold."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class BeneficiaryWriteSchema(InputSchema):
    """Fields of a beneficiary that a client may send; rules are checked by the service."""

    given_name = fields.String()
    family_name = fields.String()
    name_ne = fields.String()
    sex = fields.String(validate=validate.OneOf(list(codes.SEX)))
    date_of_birth = fields.Date(allow_none=True)
    dob_estimated = fields.Boolean()
    nationality = fields.String()
    phone = fields.String()
    district_id = Id(allow_none=True)
    local_level_id = Id(allow_none=True)
    ward = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=99))
    address_line = fields.String()
    relationship_to_head = fields.String(
        validate=validate.OneOf(list(codes.HOUSEHOLD_RELATIONSHIPS))
    )
    vulnerabilities = fields.List(
        fields.String(validate=validate.OneOf(list(codes.VULNERABILITIES)))
    )
    consent = fields.Nested(ConsentSchema)
    documents = fields.List(fields.Nested(DocumentSchema))

    @ma.post_load
    def flatten_consent(self, data: dict, **kwargs) -> dict:
        consent = data.pop("consent", None)
        if consent is not None:
            data["consent_given"] = consent["given"]
            data["consent_date"] = consent.get("date")
            data["consent_purposes"] = consent.get("purposes") or []
        return data


class BeneficiaryCreateSchema(BeneficiaryWriteSchema):
    given_name = fields.String(required=True)
    sex = fields.String(required=True, validate=validate.OneOf(list(codes.SEX)))
    household_id = Id(allow_none=True, load_default=None)
    office = fields.String(
        load_default=None, metadata={"description": "Admins only; others register in their office."}
    )


class BeneficiaryPatchSchema(BeneficiaryWriteSchema):
    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_ID))


class BeneficiaryQuerySchema(PageQuerySchema):
    q = fields.String(load_default="")
    district_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    sex = fields.String(load_default=None, validate=validate.OneOf(list(codes.SEX)))
    office = fields.String(load_default=None)


class DocumentOutSchema(OutputSchema):
    doc_type = fields.String()
    number = fields.String()
    issuing_country = fields.String(allow_none=True)


class SameObject(fields.Nested):
    """A nested object made of the parent's own attributes (`consent` from `consent_*`)."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return obj


class ConsentOutSchema(OutputSchema):
    given = fields.Boolean(attribute="consent_given")
    date = fields.Date(attribute="consent_date", allow_none=True)
    purposes = fields.Function(lambda b: list(b.consent_purposes or []))


class PeriodSchema(OutputSchema):
    """A report's period: its first and last days (null when open), or a fiscal year."""

    start = fields.Date(data_key="from", allow_none=True)
    end = fields.Date(data_key="to", allow_none=True)
    fiscal_year = fields.String(allow_none=True)


class BeneficiarySchema(OutputSchema):
    id = fields.Integer()
    registration_number = fields.String()
    given_name = fields.String()
    family_name = fields.String()
    name_ne = fields.String()
    sex = fields.String()
    date_of_birth = fields.Date(allow_none=True)
    dob_estimated = fields.Boolean()
    nationality = fields.String()
    phone = fields.String()
    district_id = fields.Integer(allow_none=True)
    local_level_id = fields.Integer(allow_none=True)
    ward = fields.Integer(allow_none=True)
    address_line = fields.String()
    office = fields.String(attribute="office_code")
    household_id = fields.Integer(allow_none=True)
    relationship_to_head = fields.String()
    # Set by the service for the caller (sensitive ones may be hidden); empty if not set.
    vulnerabilities = fields.Function(lambda b: getattr(b, "shown_vulnerabilities", []))
    consent = SameObject(ConsentOutSchema)
    documents = fields.List(fields.Nested(DocumentOutSchema))
    version = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class BeneficiarySummarySchema(BeneficiarySchema):
    """A beneficiary in a list: everything but the identity documents."""

    class Meta:
        exclude = ("documents",)


class BeneficiaryListSchema(ListSchema):
    items = fields.List(fields.Nested(BeneficiarySummarySchema))


class MatchQuerySchema(InputSchema):
    given_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    family_name = fields.String(load_default="", validate=validate.Length(max=100))
    name_ne = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "The name in Devanagari, if known: finds and scores by it too."},
    )
    date_of_birth = fields.Date(load_default=None)
    sex = fields.String(load_default="unknown", validate=validate.OneOf(list(codes.SEX)))
    document_number = fields.String(load_default="", validate=validate.Length(max=40))
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))


class MatchSchema(OutputSchema):
    id = fields.Integer(attribute="beneficiary.id")
    score = fields.Float()
    registration_number = fields.String(attribute="beneficiary.registration_number")
    given_name = fields.String(attribute="beneficiary.given_name")
    family_name = fields.String(attribute="beneficiary.family_name")
    sex = fields.String(attribute="beneficiary.sex")
    date_of_birth = fields.Date(attribute="beneficiary.date_of_birth", allow_none=True)
    district_id = fields.Integer(attribute="beneficiary.district_id", allow_none=True)
    office = fields.String(attribute="beneficiary.office_code")


class MatchListSchema(OutputSchema):
    items = fields.List(fields.Nested(MatchSchema))
