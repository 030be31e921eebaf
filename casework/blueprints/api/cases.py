"""/api/v1/cases and /api/v1/approvals (DESIGN.md, Contracts)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from casework.auth.permissions import Permission, require, sees_sensitive
from casework.blueprints.api.bs_dates import InputSchema, OutputSchema
from casework.blueprints.api.schemas import Id, ListSchema, PageQuerySchema, one_of
from casework.domain import conflict, reintegration, resettlement, workflow
from casework.errors import ValidationError
from casework.extensions import db
from casework.services import approvals, cases, kinds
from casework.services import resettlement as resettlement_service

blp = Blueprint("api_cases", __name__, description="Cases and approvals")


@blp.before_request
def staff_only() -> None:
    """Refuse roles without access to cases before parsing input."""
    require(current_user, Permission.CASE_VIEW)


def _detail(relation: str, name: str) -> fields.Function:
    """A field of the case's details row (`relation`), or null when the case has none."""

    def get(case):
        details = getattr(case, relation)
        return getattr(details, name) if details is not None else None

    return fields.Function(get)


def _detail_date(relation: str, name: str) -> fields.Date:
    """A date of the case's details row, or null: a real Date field, so that it is
    documented as a date and gets its `_bs` companion (bs_dates)."""
    return fields.Date(attribute=f"{relation}.{name}", allow_none=True, dump_default=None)


class CaseSchema(OutputSchema):
    id = fields.Integer()
    case_number = fields.String()
    kind = fields.String()
    status = fields.String()
    beneficiary_id = fields.Integer()
    office = fields.String(attribute="office_code")
    assigned_to = fields.Function(lambda case: case.assigned_to.username)
    version = fields.Integer()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closure_reason = fields.String(allow_none=True)
    # The kind's fields at the top level (null on cases of another kind), as the contract says.
    host_country = _detail("return_details", "host_country")
    return_date = _detail_date("return_details", "return_date")
    return_reason = _detail("return_details", "return_reason")
    arrival_help = _detail("return_details", "arrival_help")
    victim_categories = fields.Method(
        "dump_categories",
        metadata={"description": "null, with restricted: true, for whom may not know them"},
    )
    restricted = fields.Method("dump_restricted")
    incident_date = _detail_date("conflict_details", "incident_date")
    incident_district_id = _detail("conflict_details", "incident_district_id")
    disability_percent = _detail("conflict_details", "disability_percent")
    taskforce_reference = _detail("conflict_details", "taskforce_reference")
    ward_recommendation = _detail("conflict_details", "ward_recommendation")
    documents_seen = _detail("conflict_details", "documents_seen")
    relief_received = _detail("conflict_details", "relief_received")
    unhcr_case_number = _detail("resettlement_details", "unhcr_case_number")
    destination_country = _detail("resettlement_details", "destination_country")
    camp = _detail("resettlement_details", "camp")
    hut_address = _detail("resettlement_details", "hut_address")
    programme = _detail("resettlement_details", "programme")
    special_needs = _detail("resettlement_details", "special_needs")
    member_ids = fields.Function(
        lambda c: (
            c.resettlement_details and [m.beneficiary_id for m in c.resettlement_details.members]
        )
    )

    def dump_restricted(self, case) -> bool:
        return kinds.is_sensitive(case) and not sees_sensitive(current_user, case)

    def dump_categories(self, case):
        if case.conflict_details is None or self.dump_restricted(case):
            return None
        return case.conflict_details.victim_categories


class CaseListSchema(ListSchema):
    items = fields.List(fields.Nested(CaseSchema))


class CaseQuerySchema(PageQuerySchema):
    kind = fields.String(load_default=None, validate=one_of(workflow.KINDS))
    status = fields.String(load_default=None, validate=one_of(workflow.STATUSES))


class ReturnFieldsSchema(InputSchema):
    host_country = fields.String()
    return_date = fields.Date()
    return_reason = fields.String(validate=one_of(reintegration.RETURN_REASONS))
    arrival_help = fields.List(fields.String(validate=one_of(reintegration.ARRIVAL_HELP)))


class ConflictFieldsSchema(InputSchema):
    victim_categories = fields.List(fields.String(validate=one_of(conflict.VICTIM_CATEGORIES)))
    incident_date = fields.Date()
    incident_district_id = Id()
    disability_percent = fields.Integer(strict=True, allow_none=True)
    taskforce_reference = fields.String()
    ward_recommendation = fields.Boolean()
    documents_seen = fields.String()
    relief_received = fields.String()


class ResettlementFieldsSchema(InputSchema):
    unhcr_case_number = fields.String()
    camp = fields.String(validate=one_of(resettlement.CAMPS))
    hut_address = fields.String()
    destination_country = fields.String()
    programme = fields.String(validate=one_of({"": "", **resettlement.PROGRAMMES}))
    special_needs = fields.List(fields.String(validate=one_of(resettlement.SPECIAL_NEEDS)))
    member_ids = fields.List(Id())


class KindFieldsSchema(ReturnFieldsSchema, ConflictFieldsSchema, ResettlementFieldsSchema):
    """The fields of every kind; each kind's rules say which it requires."""


class CaseCreateSchema(KindFieldsSchema):
    kind = fields.String(required=True, validate=one_of(workflow.KINDS))
    beneficiary_id = Id(required=True)
    assigned_to = fields.String(load_default=None, metadata={"description": "a username"})


class CasePatchSchema(KindFieldsSchema):
    version = Id(required=True)
    assigned_to = fields.String(metadata={"description": "a username; supervisors only"})


class TransitionSchema(InputSchema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=32))
    version = Id(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=cases.MAX_NOTE))
    closure_reason = fields.String(
        load_default=None, validate=one_of(reintegration.CLOSURE_REASONS)
    )


class CaseEventSchema(OutputSchema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    user = fields.Function(lambda e: e.user.username if e.user else None)
    event = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    comment = fields.String()
    changes = fields.Dict()


class HistorySchema(OutputSchema):
    items = fields.List(fields.Nested(CaseEventSchema))


class ApprovalSchema(OutputSchema):
    id = fields.Integer()
    type = fields.String(attribute="approval_type")
    subject_id = fields.Integer()
    case_id = fields.Integer()
    case_number = fields.Function(lambda a: a.case.case_number)
    requested_by = fields.Function(lambda a: a.requested_by.username)
    requested_at = fields.DateTime()
    comment = fields.String(attribute="request_comment")


class ApprovalListSchema(ListSchema):
    items = fields.List(fields.Nested(ApprovalSchema))


class DecisionSchema(InputSchema):
    comment = fields.String(required=True, validate=validate.Length(max=approvals.MAX_COMMENT))


def _user_id(username: str | None) -> int | None:
    if username is None:
        return None
    user_id = cases.user_id_by_username(username)
    if user_id is None:
        raise ValidationError(fields={"assigned_to": [_("No such user.")]})
    return user_id


@blp.get("/cases")
@blp.arguments(CaseQuerySchema, location="query")
@blp.response(200, CaseListSchema)
def list_cases(args):
    """Cases the caller may see: a caseworker's own, a supervisor's office, all for admins."""
    filters = cases.CaseFilters(**args)
    items, total = cases.search(current_user, filters)
    return {"items": items, "total": total, "page": filters.page, "per_page": filters.per_page}


@blp.post("/cases")
@blp.arguments(CaseCreateSchema)
@blp.response(201, CaseSchema)
def create_case(data):
    """Open a case for a beneficiary; assigned to the caller unless a supervisor names someone."""
    kind, beneficiary_id = data.pop("kind"), data.pop("beneficiary_id")
    assignee = _user_id(data.pop("assigned_to", None))
    case = cases.open_case(current_user, kind, beneficiary_id, data, assigned_to_id=assignee)
    db.session.commit()
    return case


@blp.get("/cases/<int:case_id>")
@blp.response(200, CaseSchema)
def get_case(case_id: int):
    return cases.get(current_user, case_id)


@blp.patch("/cases/<int:case_id>")
@blp.arguments(CasePatchSchema)
@blp.response(200, CaseSchema)
def patch_case(data, case_id: int):
    """Change the kind's fields, or `assigned_to` (supervisors); `version` must be current."""
    case = cases.get(current_user, case_id)
    version = data.pop("version")
    assignee = data.pop("assigned_to", None)
    if data:
        cases.update(current_user, case, data, version)
        version = case.version
    if assignee is not None:
        cases.assign(current_user, case, _user_id(assignee), version)
    db.session.commit()
    return case


@blp.post("/cases/<int:case_id>/transitions")
@blp.arguments(TransitionSchema)
@blp.response(200, CaseSchema)
def transition(data, case_id: int):
    """Move the case; 409 names the allowed statuses, or says the version is stale."""
    case = cases.get(current_user, case_id)
    cases.transition(
        current_user, case, data["to"], data["version"], data["comment"], data["closure_reason"]
    )
    db.session.commit()
    return case


@blp.get("/cases/<int:case_id>/history")
@blp.response(200, HistorySchema)
def case_history(case_id: int):
    case = cases.get(current_user, case_id)
    return {"items": cases.history(current_user, case)}


@blp.get("/approvals")
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, ApprovalListSchema)
def list_approvals(args):
    """The pending items of the caller's office (supervisors), oldest first."""
    items, total = approvals.queue(current_user, args["page"], args["per_page"])
    return {
        "items": items,
        "total": total,
        "page": args["page"],
        "per_page": args["per_page"],
    }


def _decide(approval_id: int, data: dict, approve: bool):
    item = approvals.get(current_user, approval_id)
    approvals.decide(current_user, item, approve=approve, comment=data["comment"])
    db.session.commit()
    return item


@blp.post("/approvals/<int:approval_id>/approve")
@blp.arguments(DecisionSchema)
@blp.response(200, ApprovalSchema)
def approve(data, approval_id: int):
    return _decide(approval_id, data, approve=True)


@blp.post("/approvals/<int:approval_id>/reject")
@blp.arguments(DecisionSchema)
@blp.response(200, ApprovalSchema)
def reject(data, approval_id: int):
    return _decide(approval_id, data, approve=False)


class DepartureSchema(InputSchema):
    case_ids = fields.List(Id(), required=True)
    departure_date = fields.Date(required=True)
    flight = fields.String(required=True)
    origin = fields.String(load_default="Kathmandu (KTM)")
    destination = fields.String(load_default="")


class BatchSchema(OutputSchema):
    id = fields.Integer()
    departure_date = fields.Date()
    flight = fields.String()
    origin = fields.String()
    destination = fields.String()
    office = fields.String(attribute="office_code")
    confirmed_at = fields.DateTime(allow_none=True)
    cases = fields.List(fields.Nested(CaseSchema))


@blp.post("/resettlement/departures")
@blp.arguments(DepartureSchema)
@blp.response(201, BatchSchema)
def departures(data):
    """Put the cases on one flight and confirm it: every case departs, or none does (422
    naming each case that cannot)."""
    batch = resettlement_service.create_batch(current_user, data)
    resettlement_service.confirm(current_user, batch)
    db.session.commit()
    return batch
