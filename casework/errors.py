"""Domain exceptions and the one place that maps them to HTTP responses.

Services raise these; the API turns them into
`{"error": {"code", "message", "fields"}}` and HTML views into a form error or an
error page. Anything under /api/ answers JSON, everything else HTML.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from casework.auth.rate_limits import retry_after_seconds
from casework.extensions import db

log = logging.getLogger(__name__)


class CaseworkError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message: str | None = None, fields: dict[str, list[str]] | None = None):
        self.message = str(message or self.default_message)
        self.fields = fields or {}
        self.extra: dict = {}  # more keys for the API's error object (e.g. "allowed")
        super().__init__(self.message)


class ValidationError(CaseworkError):
    """Input that breaks a rule. `fields` maps each field name to its messages."""

    status = 422
    code = "invalid"
    default_message = _l("Some fields are not valid.")


class NotFound(CaseworkError):
    """The record does not exist or is outside the caller's scope (never said which)."""

    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class PermissionDenied(CaseworkError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class StaleVersion(CaseworkError):
    status = 409
    code = "stale_version"
    default_message = _l(
        "This record was changed by someone else since you opened it. "
        "Reload it to see their changes, then make yours again."
    )


class TransitionConflict(CaseworkError):
    """A status change the kind's workflow does not allow from the current status."""

    status = 409
    code = "transition_not_allowed"

    def __init__(self, from_status: str, to_status: str, allowed: tuple[str, ...]):
        self.allowed = list(allowed)
        message = _l(
            "A case cannot go from %(from_status)s to %(to_status)s. Allowed: %(allowed)s.",
            from_status=from_status,
            to_status=to_status,
            allowed=", ".join(allowed) or _l("none"),
        )
        super().__init__(str(message), {"to": [str(message)]})
        self.extra = {"allowed": self.allowed}


class ActionConflict(CaseworkError):
    """An action (submit, send, …) that the record's current status does not allow."""

    status = 409
    code = "action_not_allowed"

    def __init__(self, action: str, status: str, allowed: tuple[str, ...]):
        message = _l(
            "%(action)s is not possible while the referral is %(status)s. Possible: %(allowed)s.",
            action=action,
            status=status,
            allowed=", ".join(allowed) or _l("nothing more"),
        )
        super().__init__(str(message))
        self.extra = {"allowed": list(allowed)}


class Conflict(CaseworkError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state of the record.")


_CSRF_MESSAGE = _l(
    "This form has expired or did not come from Casework. Go back, reload the page and "
    "send it again."
)


_RATE_LIMITED_MESSAGE = _l("Too many requests. Wait a moment, then try again.")

# The titles of error pages, and what to say when the code raising the error gave no
# message of its own: Werkzeug's are English only.
_TITLES = {
    400: _l("Bad request"),
    401: _l("Sign-in needed"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not possible here"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Not valid"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
_MESSAGES = {
    400: _l("The request could not be read. Go back, reload the page and try again."),
    401: _l("Sign in to see this page."),
    403: _l("You are not allowed to see this page."),
    404: _l("There is nothing at this address, or nothing you may see."),
    405: _l("This address does not take this kind of request."),
    413: _l("The file is too large."),
    500: _l("Something went wrong; it has been logged."),
}
_OUT_OF_RANGE_MESSAGE = _l("A value is out of range or malformed.")

# marshmallow's built-in messages in the API's field errors, which it cannot translate.
_SCHEMA_MESSAGES = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid datetime.": _l("Not a valid datetime."),
    "Not a valid list.": _l("Not a valid list."),
    "Not a valid email address.": _l("Not a valid email address."),
    "Invalid input type.": _l("Invalid input type."),
    "Unknown field.": _l("Unknown field."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, code: str, message: str, fields: dict | None = None, headers=None, extra=None
) -> Response:
    """The error in the contract's JSON envelope under /api/, as a page elsewhere."""
    if wants_json():
        body = {
            "error": {"code": code, "message": message, "fields": fields or {}, **(extra or {})}
        }
        response = make_response(jsonify(body), status)
    else:
        title = str(_TITLES.get(status, ""))
        page = render_template("error.html", status=status, title=title, message=message)
        response = make_response(page, status)
    response.headers.extend(headers or {})
    return response


def _fields_from_webargs(data: dict) -> dict[str, list[str]]:
    """Flatten webargs' {"json": {...}, "query": {...}} into one field map."""
    messages = data.get("messages") or data.get("errors") or {}
    fields: dict[str, list[str]] = {}
    for location, errors in messages.items():
        if not isinstance(errors, dict):
            fields[location] = _flatten(errors)
            continue
        for name, errs in errors.items():
            fields[str(name)] = _flatten(errs)
    return fields


def _flatten(errs) -> list[str]:
    if isinstance(errs, dict):
        return [f"{k}: {m}" for k, v in errs.items() for m in _flatten(v)]
    if isinstance(errs, list):
        return [m for e in errs for m in _flatten(e)]
    return [str(_SCHEMA_MESSAGES.get(str(errs), errs))]


def _http_message(error: HTTPException, status: int) -> str:
    """The error's own message if the code raising it gave one, else ours for the status."""
    own = error.description and error.description != type(error).description
    return str(error.description) if own else str(_MESSAGES.get(status, _TITLES.get(status, "")))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CaseworkError)
    def handle_domain_error(error: CaseworkError):
        db.session.rollback()
        return error_response(
            error.status, error.code, error.message, error.fields, extra=error.extra
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        fields = _fields_from_webargs(data) if data else {}
        code = {400: "malformed", 422: "invalid", 429: "rate_limited"}.get(
            status, error.name.lower().replace(" ", "_")
        )
        message = _http_message(error, status)
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if isinstance(error, CSRFError):
            code, message = "csrf", str(_CSRF_MESSAGE)
        elif status == 429:  # Flask-Limiter's RateLimitExceeded: say when to try again
            message = str(_RATE_LIMITED_MESSAGE)
            headers.append(("Retry-After", str(retry_after_seconds())))
        elif status == 422:
            message = str(ValidationError.default_message)
        elif status == 400 and fields:
            message = "; ".join(m for msgs in fields.values() for m in msgs)
        return error_response(status, code, message, fields, headers)

    @app.errorhandler(StaleDataError)
    def handle_concurrent_change(error: StaleDataError):
        """Another request changed the row between this one's read and its write (the
        UPDATE … WHERE version = read found none): the same answer as a stale version the
        client sent, never a 500. The load test sees it with two workers, when two people
        edit one record or two supervisors decide one item at the same moment."""
        db.session.rollback()
        stale = StaleVersion()
        return error_response(stale.status, stale.code, stale.message)

    @app.errorhandler(DataError)
    def handle_data_error(error: DataError):
        """A value the database cannot hold that no rule caught: refuse it, never 500."""
        # The class, not the message: PostgreSQL's quotes the value it refused (a name).
        log.warning(
            "DataError on %s %s: %s", request.method, request.path, type(error.orig).__name__
        )
        db.session.rollback()
        return error_response(400, "malformed", str(_OUT_OF_RANGE_MESSAGE))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if app.config.get("RAISE_UNEXPECTED"):
            raise error  # tests see the traceback of a would-be 500
        log.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500, "server_error", str(_MESSAGES[500]))
