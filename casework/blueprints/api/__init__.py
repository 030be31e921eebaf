"""The JSON API under /api/v1, documented by a generated OpenAPI 3 document.

flask-smorest builds /api/v1/openapi.json from the marshmallow schemas that also parse
and validate requests, so the document cannot drift from the code. Errors use Casework's
own envelope (casework.errors), not flask-smorest's.
"""

from __future__ import annotations

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api
from marshmallow import Schema, fields

from casework.extensions import csrf


class ErrorDetailSchema(Schema):
    code = fields.String(
        required=True, metadata={"description": "invalid, malformed, not_found, forbidden, …"}
    )
    message = fields.String(required=True, metadata={"description": "For a person to read."})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "Each field in error and its messages (may be empty)."},
    )
    allowed = fields.List(
        fields.String(),
        metadata={"description": "409 only: the statuses or actions allowed from here."},
    )


class ErrorSchema(Schema):
    """The contract's error envelope (DESIGN.md), as casework.errors writes it."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class CaseworkApi(Api):
    # Documents the envelope every error answer has, not flask-smorest's default shape
    # (`code`, `status`, `errors`), which this API never sends.
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Errors are mapped app-wide by casework.errors, in the contract's envelope."""


_HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
RATE_LIMITED = {
    "description": "Too many calls for this token, or from this address without a valid "
    "token; `error.code` is `rate_limited`.",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before calling again.",
            "schema": {"type": "integer"},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


class RateLimitResponses(BasePlugin):
    """Every operation may answer 429: documented once here rather than on each view."""

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for method, operation in (operations or {}).items():
            if method in _HTTP_METHODS:
                responses = operation.setdefault("responses", {})
                responses.setdefault("429", {"$ref": "#/components/responses/RATE_LIMITED"})


api = CaseworkApi(
    spec_kwargs={
        "extra_plugins": [RateLimitResponses()],
        "info": {
            "description": "Casework JSON API. Authenticate with `Authorization: Bearer TOKEN`."
        },
        "security": [{"bearerAuth": []}],
    }
)


def init_api(app: Flask) -> None:
    from casework.blueprints.api.beneficiaries import blp as beneficiaries_blp
    from casework.blueprints.api.cases import blp as cases_blp
    from casework.blueprints.api.exports import blp as exports_blp
    from casework.blueprints.api.reference import blp as reference_blp
    from casework.blueprints.api.referrals import blp as referrals_blp
    from casework.blueprints.api.reports import blp as reports_blp

    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.response("RATE_LIMITED", RATE_LIMITED)
    for blueprint in (
        reference_blp,
        beneficiaries_blp,
        cases_blp,
        referrals_blp,
        reports_blp,
        exports_blp,
    ):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix="/api/v1")
