"""Reference data: provinces, districts and local levels (ids as in shared/data/nepal)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate

from casework.auth.permissions import Permission, require
from casework.blueprints.api.bs_dates import InputSchema
from casework.blueprints.api.schemas import DistrictListSchema, LocalLevelListSchema
from casework.errors import NotFound
from casework.services import reference

blp = Blueprint("api_reference", __name__, description="Nepal's administrative divisions")


class DistrictQuerySchema(InputSchema):
    province_id = fields.Integer(load_default=None, validate=validate.Range(min=1))


def _all(items: list) -> dict:
    return {"items": items, "total": len(items), "page": 1, "per_page": max(len(items), 1)}


@blp.get("/districts")
@blp.arguments(DistrictQuerySchema, location="query")
@blp.response(200, DistrictListSchema)
def districts(args):
    """All 77 districts (optionally of one province), in one page."""
    require(current_user, Permission.REFERENCE_VIEW)
    items = reference.districts()
    if args["province_id"]:
        items = [d for d in items if d.province_id == args["province_id"]]
    return _all(items)


@blp.get("/districts/<int:district_id>/local-levels")
@blp.response(200, LocalLevelListSchema)
def local_levels(district_id: int):
    """The local levels (municipalities and rural municipalities) of one district."""
    require(current_user, Permission.REFERENCE_VIEW)
    items = reference.local_levels(district_id)
    if not items:
        raise NotFound()
    return _all(items)
