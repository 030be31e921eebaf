"""/api/v1/beneficiaries: find, register, read and edit beneficiaries."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from flask_smorest import Blueprint

from casework.auth.permissions import Permission, require
from casework.blueprints.api.schemas import (
    BeneficiaryCreateSchema,
    BeneficiaryListSchema,
    BeneficiaryPatchSchema,
    BeneficiaryQuerySchema,
    BeneficiarySchema,
    MatchListSchema,
    MatchQuerySchema,
)
from casework.extensions import db
from casework.services import beneficiaries as service

blp = Blueprint("api_beneficiaries", __name__, description="Beneficiaries")


@blp.before_request
def staff_only() -> None:
    """Refuse roles without access before parsing input (a partner learns nothing)."""
    require(current_user, Permission.BENEFICIARY_VIEW)


@blp.get("/beneficiaries")
@blp.arguments(BeneficiaryQuerySchema, location="query")
@blp.response(200, BeneficiaryListSchema)
def list_beneficiaries(args):
    """Search by name (any order, spelling-tolerant), registration number or phone."""
    filters = service.SearchFilters(**args)
    items, total = service.search(current_user, filters)
    return {"items": items, "total": total, "page": filters.page, "per_page": filters.per_page}


@blp.post("/beneficiaries")
@blp.arguments(BeneficiaryCreateSchema)
@blp.response(201, BeneficiarySchema)
def create_beneficiary(data):
    """Register a beneficiary. Check `/beneficiaries/matches` first for duplicates."""
    household_id = data.pop("household_id", None)
    office = data.pop("office", None)
    beneficiary = service.register(
        current_user, data, household_id=household_id, office_code=office
    )
    db.session.commit()
    return beneficiary


@blp.get("/beneficiaries/matches")
@blp.arguments(MatchQuerySchema, location="query")
@blp.response(200, MatchListSchema)
def matches(args):
    """Likely duplicates, best first, with a score from 0 to 1."""
    person = service.person_of(args)
    found = service.find_matches(
        current_user,
        person,
        document_numbers=[args["document_number"]] if args["document_number"] else [],
        limit=args["limit"],
        threshold=current_app.config["DUPLICATE_SCORE_THRESHOLD"] / 2,
    )
    return {"items": found}


@blp.get("/beneficiaries/<int:beneficiary_id>")
@blp.response(200, BeneficiarySchema)
def get_beneficiary(beneficiary_id: int):
    """One beneficiary; the read is recorded in the audit log."""
    beneficiary = service.get(current_user, beneficiary_id, audit_view=True)
    db.session.commit()
    return beneficiary


@blp.patch("/beneficiaries/<int:beneficiary_id>")
@blp.arguments(BeneficiaryPatchSchema)
@blp.response(200, BeneficiarySchema)
def patch_beneficiary(data, beneficiary_id: int):
    """Change some fields; `version` must be the one you read (else 409)."""
    beneficiary = service.get(current_user, beneficiary_id)
    version = data.pop("version")
    service.update(current_user, beneficiary, data, version)
    db.session.commit()
    return beneficiary
