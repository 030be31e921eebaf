"""What every template may use: permission checks, code labels, language."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from casework.auth.permissions import Permission, can
from casework.domain import codes, conflict, reintegration, resettlement, workflow
from casework.extensions import db
from casework.models import Country, District


def _label(table: dict, code: str | None) -> str:
    if code is None or code == "":
        return "—"
    return str(table.get(code, code))


def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (for filters and pages)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    if request.endpoint is None:  # an error page for an address that matched no route
        return f"{request.path}?{urlencode(args)}"
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def inject() -> dict:
        return {
            "can": lambda permission, obj=None: can(current_user, Permission(permission), obj),
            "Permission": Permission,
            "codes": codes,
            "label": _label,
            "current_locale": str(get_locale() or "en"),
            "url_with": url_with,
            "KINDS": workflow.KINDS,
            "STATUSES": workflow.STATUSES,
            "REFERRAL_STATUSES": workflow.REFERRAL_STATUSES,
            "conflict": conflict,
            "resettlement_codes": resettlement,
            "reintegration": reintegration,
        }

    @app.template_global()
    def district_name(district_id: int | None) -> str:
        if district_id is None:
            return "—"
        district = db.session.get(District, district_id)
        return district.name_en if district else "—"

    @app.template_global()
    def country_name(code: str | None) -> str:
        if not code:
            return "—"
        country = db.session.get(Country, code)
        return country.name if country else code

    @app.template_global()
    def dimension_label(code: str) -> str:
        from casework.reports.aggregate import DIMENSIONS

        return str(DIMENSIONS[code].label)

    @app.template_filter("date")
    def format_date(value) -> str:
        return value.strftime("%Y-%m-%d") if value else "—"

    @app.template_filter("datetime")
    def format_datetime(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"
