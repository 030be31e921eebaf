"""/api/v1/providers and /api/v1/referrals (DESIGN.md, Contracts)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from casework.auth.permissions import Permission, require
from casework.blueprints.api.bs_dates import InputSchema, OutputSchema
from casework.blueprints.api.schemas import Id, ListSchema, PageQuerySchema, one_of
from casework.domain import codes, workflow
from casework.domain.ids import MAX_ID
from casework.errors import ValidationError
from casework.extensions import db
from casework.services import approvals, cases, providers, referrals

blp = Blueprint("api_referrals", __name__, description="Service providers and referrals")


@blp.before_request
def staff_only() -> None:
    """Refuse partners before parsing input (the services check each action again)."""
    require(current_user, Permission.PROVIDER_VIEW)


class ProviderSchema(OutputSchema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    services = fields.List(fields.String(), attribute="service_codes")
    district_ids = fields.List(fields.Integer())
    contact = fields.String()
    active = fields.Boolean()
    version = fields.Integer()


class ProviderListSchema(ListSchema):
    items = fields.List(fields.Nested(ProviderSchema))


class ProviderQuerySchema(PageQuerySchema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    service = fields.String(load_default=None, validate=one_of(codes.SERVICES))
    district_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    include_inactive = fields.Boolean(load_default=False)


class ProviderWriteSchema(InputSchema):
    name = fields.String()
    kind = fields.String(validate=one_of(codes.PROVIDER_KINDS))
    services = fields.List(fields.String(validate=one_of(codes.SERVICES)))
    district_ids = fields.List(Id())
    contact = fields.String()
    active = fields.Boolean()


class ProviderCreateSchema(ProviderWriteSchema):
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=one_of(codes.PROVIDER_KINDS))
    services = fields.List(fields.String(validate=one_of(codes.SERVICES)), required=True)
    district_ids = fields.List(Id(), required=True)


class ProviderPatchSchema(ProviderWriteSchema):
    version = Id(required=True)


class ReferralSchema(OutputSchema):
    id = fields.Integer()
    case_id = fields.Integer()
    provider_id = fields.Integer()
    provider = fields.Function(lambda r: r.provider.name)
    service = fields.String()
    urgency = fields.String()
    reason = fields.String()
    consent_obtained = fields.Boolean()
    status = fields.String()
    office = fields.String(attribute="office_code")
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String()
    sent_at = fields.DateTime(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    response_note = fields.String()
    completed_at = fields.DateTime(allow_none=True)
    outcome = fields.String()
    version = fields.Integer()
    actions = fields.Function(lambda r: referrals.api_actions(workflow.referral_actions(r.status)))


class ReferralListSchema(ListSchema):
    items = fields.List(fields.Nested(ReferralSchema))


class ReferralQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=one_of(workflow.REFERRAL_STATUSES))
    case_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))


class ReferralCreateSchema(InputSchema):
    case_id = Id(required=True)
    provider_id = Id(required=True)
    service = fields.String(required=True, validate=one_of(codes.SERVICES))
    urgency = fields.String(load_default="normal", validate=one_of(codes.URGENCY))
    reason = fields.String(required=True, validate=validate.Length(max=referrals.MAX_TEXT))
    consent_obtained = fields.Boolean(required=True)


class ActionSchema(InputSchema):
    """Optional `version`: when given and stale, the action is refused (409)."""

    version = Id(load_default=None)
    comment = fields.String(load_default="", validate=validate.Length(max=referrals.MAX_TEXT))


class RejectSchema(ActionSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=referrals.MAX_TEXT))


class RespondSchema(ActionSchema):
    accepted = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=referrals.MAX_TEXT))


class CompleteSchema(ActionSchema):
    outcome = fields.String(required=True, validate=validate.Length(max=referrals.MAX_TEXT))


class CancelSchema(ActionSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=referrals.MAX_TEXT))


def _page(items, total, args) -> dict:
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.get("/providers")
@blp.arguments(ProviderQuerySchema, location="query")
@blp.response(200, ProviderListSchema)
def list_providers(args):
    """Search the directory by service and district served (active ones unless asked)."""
    items, total = providers.search(current_user, providers.ProviderFilters(**args))
    return _page(items, total, args)


@blp.post("/providers")
@blp.arguments(ProviderCreateSchema)
@blp.response(201, ProviderSchema)
def create_provider(data):
    """Admins only."""
    provider = providers.create(current_user, data)
    db.session.commit()
    return provider


@blp.get("/providers/<int:provider_id>")
@blp.response(200, ProviderSchema)
def get_provider(provider_id: int):
    return providers.get(current_user, provider_id)


@blp.patch("/providers/<int:provider_id>")
@blp.arguments(ProviderPatchSchema)
@blp.response(200, ProviderSchema)
def patch_provider(data, provider_id: int):
    """Admins only; `version` must be current."""
    provider = providers.get(current_user, provider_id)
    version = data.pop("version")
    providers.update(current_user, provider, data, version)
    db.session.commit()
    return provider


@blp.get("/referrals")
@blp.arguments(ReferralQuerySchema, location="query")
@blp.response(200, ReferralListSchema)
def list_referrals(args):
    """Referrals of the cases the caller may see; urgent first."""
    items, total = referrals.search(current_user, referrals.ReferralFilters(**args))
    return _page(items, total, args)


@blp.post("/referrals")
@blp.arguments(ReferralCreateSchema)
@blp.response(201, ReferralSchema)
def create_referral(data):
    """A draft referral; `submit` it to ask a supervisor."""
    case = cases.get(current_user, data.pop("case_id"))
    referral = referrals.create(current_user, case, data)
    db.session.commit()
    return referral


@blp.get("/referrals/<int:referral_id>")
@blp.response(200, ReferralSchema)
def get_referral(referral_id: int):
    return referrals.get(current_user, referral_id)


def _done(referral):
    db.session.commit()
    return referral


@blp.post("/referrals/<int:referral_id>/submit")
@blp.arguments(ActionSchema)
@blp.response(200, ReferralSchema)
def submit(data, referral_id: int):
    """Refused (422) without the person's consent to referral on record."""
    referral = referrals.get(current_user, referral_id)
    return _done(referrals.submit(current_user, referral, data["version"]))


def _decide(referral_id: int, data: dict, approve: bool, comment: str):
    require(current_user, Permission.APPROVE)
    referral = referrals.get(current_user, referral_id)
    referrals.check_version(referral, data["version"])
    if not approve and not comment.strip():
        raise ValidationError(fields={"reason": [_("Say why the referral is rejected.")]})
    item = referrals.pending_approval(referral, "approve" if approve else "reject")
    approvals.decide(current_user, item, approve=approve, comment=comment, require_comment=False)
    return _done(referral)


@blp.post("/referrals/<int:referral_id>/approve")
@blp.arguments(ActionSchema)
@blp.response(200, ReferralSchema)
def approve(data, referral_id: int):
    """A supervisor of the office who did not submit it (four eyes)."""
    return _decide(referral_id, data, True, data["comment"])


@blp.post("/referrals/<int:referral_id>/reject")
@blp.arguments(RejectSchema)
@blp.response(200, ReferralSchema)
def reject(data, referral_id: int):
    return _decide(referral_id, data, False, data["reason"])


@blp.post("/referrals/<int:referral_id>/send")
@blp.arguments(ActionSchema)
@blp.response(200, ReferralSchema)
def send(data, referral_id: int):
    """Records the transfer of personal data to the provider."""
    referral = referrals.get(current_user, referral_id)
    return _done(referrals.send(current_user, referral, data["version"]))


@blp.post("/referrals/<int:referral_id>/respond")
@blp.arguments(RespondSchema)
@blp.response(200, ReferralSchema)
def respond(data, referral_id: int):
    referral = referrals.get(current_user, referral_id)
    return _done(
        referrals.respond(current_user, referral, data["accepted"], data["note"], data["version"])
    )


@blp.post("/referrals/<int:referral_id>/complete")
@blp.arguments(CompleteSchema)
@blp.response(200, ReferralSchema)
def complete(data, referral_id: int):
    referral = referrals.get(current_user, referral_id)
    return _done(referrals.complete(current_user, referral, data["outcome"], data["version"]))


@blp.post("/referrals/<int:referral_id>/cancel")
@blp.arguments(CancelSchema)
@blp.response(200, ReferralSchema)
def cancel(data, referral_id: int):
    referral = referrals.get(current_user, referral_id)
    return _done(referrals.cancel(current_user, referral, data["reason"], data["version"]))
