"""What every template may use: permission checks, code labels, language."""

from __future__ import annotations

import numbers
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, can
from casework.domain import calendar, codes, conflict, reintegration, resettlement, workflow
from casework.domain.periods import NEPAL
from casework.extensions import db
from casework.i18n import preferences
from casework.models import Country, District
from casework.services import reference


def _label(table: dict, code: str | None) -> str:
    if code is None or code == "":
        return "—"
    return str(table.get(code, code))


def _in_readers_digits(text: str) -> str:
    if preferences().digits == "devanagari":
        return calendar.devanagari_digits(text)
    return text


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
        return reference.shown_name(db.session.get(District, district_id))

    @app.template_global()
    def place_name(place) -> str:
        """A province, district or local level in the script of the interface."""
        return reference.shown_name(place)

    @app.template_global()
    def country_name(code: str | None) -> str:
        if not code:
            return "—"
        country = db.session.get(Country, code)
        return reference.country_shown_name(code, country.name) if country else code

    @app.template_filter("number")
    def format_number(value) -> str:
        """A count to read: grouped as the interface language groups (English 1,234,567;
        Nepali 12,34,567), in the reader's digits. Text (a suppressed count such as "<5")
        only has its digits changed. Not for ids, registration or phone numbers."""
        if value is None or value == "":
            return "—"
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            value = format_decimal(value)
        return _in_readers_digits(value if isinstance(value, str) else str(value))

    @app.template_filter("digits")
    def format_digits(text) -> str:
        """A translated sentence with counts in it ("Page 2 of 9", "12 people") in the
        reader's digits: the message keeps its %(n)d placeholder and its translation."""
        # str.translate on Markup keeps it Markup: the sentence is not escaped twice.
        return _in_readers_digits(text if isinstance(text, str) else str(text))

    @app.template_global()
    def dimension_label(code: str) -> str:
        from casework.reports.aggregate import DIMENSIONS

        return str(DIMENSIONS[code].label)

    @app.template_filter("date")
    def format_date(value) -> str:
        """A date in the user's calendar (AD, BS or both) and digits.

        A datetime is first taken to its day in Nepal. A date outside the BS range is
        shown in AD (casework.domain.calendar.format_date).
        """
        if not value:
            return "—"
        if isinstance(value, str):  # a date kept as text in JSON (reports, audit)
            value = _from_iso(value, date.fromisoformat)
            if isinstance(value, str):
                return value
        if isinstance(value, datetime):
            value = _in_nepal(value).date()
        prefs = preferences()
        return calendar.format_date(value, prefs.calendar, prefs.digits)

    @app.template_filter("datetime")
    def format_datetime(value) -> str:
        """A moment as Nepal's clocks showed it: the date per the user's calendar, then
        `HH:MM NPT`.

        Times are stored in UTC; a caseworker reads "when" in the office's own time, so
        pages show Nepal time (UTC+5:45, no daylight saving), marked NPT so it is never
        mistaken for UTC. A naive value is taken as UTC, as everything is stored.
        """
        if not value:
            return "—"
        if isinstance(value, str):  # a moment kept as text in JSON (audit.jsonable)
            value = _from_iso(value, datetime.fromisoformat)
            if isinstance(value, str):
                return value
        local = _in_nepal(value)
        prefs = preferences()
        time = local.strftime("%H:%M")
        if prefs.digits == "devanagari":
            time = calendar.devanagari_digits(time)
        day = calendar.format_date(local.date(), prefs.calendar, prefs.digits)
        return _("%(day)s %(time)s NPT", day=day, time=time)


def _from_iso(text: str, parse):
    """The date or datetime in ISO text, or the text itself when it is not one."""
    try:
        return parse(text)
    except ValueError:
        return text


def _in_nepal(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(NEPAL)
