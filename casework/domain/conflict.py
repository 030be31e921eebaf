"""Rules for victims of Nepal's armed conflict (13 February 1996 – 21 November 2006)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

CONFLICT_START = date(1996, 2, 13)
CONFLICT_END = date(2006, 11, 21)  # the Comprehensive Peace Accord

VICTIM_CATEGORIES = {
    "killed_family": _l("Family of a person killed"),
    "disappeared_family": _l("Family of a disappeared person"),
    "injured_disabled": _l("Injured or disabled"),
    "displaced": _l("Displaced"),
    "abducted": _l("Abducted"),
    "property_damaged": _l("Property damaged"),
    "torture": _l("Torture"),
    "sexual_violence": _l("Conflict-related sexual violence"),
    "orphan": _l("Orphan"),
}
# Only the assigned caseworker and the office's supervisors may know these apply.
SENSITIVE_CATEGORIES = frozenset({"torture", "sexual_violence"})
# Beneficiary vulnerabilities that would tell the same story, hidden alongside.
SENSITIVE_VULNERABILITIES = frozenset({"torture_survivor", "gbv_survivor"})


def is_sensitive(categories) -> bool:
    return bool(SENSITIVE_CATEGORIES & set(categories or ()))


def check(data: dict, today: date) -> dict[str, list[str]]:
    """Errors by field for the conflict-victim fields of a case."""
    errors: dict[str, list[str]] = {}
    categories = data.get("victim_categories") or []
    if not categories:
        errors["victim_categories"] = [str(_l("Choose at least one category."))]
    elif set(categories) - set(VICTIM_CATEGORIES):
        unknown = ", ".join(sorted(set(categories) - set(VICTIM_CATEGORIES)))
        errors["victim_categories"] = [str(_l("Unknown: %(codes)s.", codes=unknown))]
    incident = data.get("incident_date")
    if not isinstance(incident, date):
        errors["incident_date"] = [str(_l("Give the date of the incident."))]
    elif not CONFLICT_START <= incident <= CONFLICT_END:
        errors["incident_date"] = [
            str(
                _l("The incident must fall inside the conflict period, 13 Feb 1996 to 21 Nov 2006.")
            )
        ]
    elif incident > today:
        errors["incident_date"] = [str(_l("The incident date cannot be in the future."))]
    disability = data.get("disability_percent")
    if disability is not None:
        if (
            not isinstance(disability, int)
            or isinstance(disability, bool)
            or not 0 <= disability <= 100
        ):
            errors["disability_percent"] = [str(_l("A percentage from 0 to 100."))]
        elif "injured_disabled" not in categories and disability:
            errors["disability_percent"] = [
                str(_l("A disability percentage applies to the injured or disabled category."))
            ]
    for field, limit in (
        ("taskforce_reference", 60),
        ("documents_seen", 2000),
        ("relief_received", 2000),
    ):
        if len(data.get(field) or "") > limit:
            errors[field] = [str(_l("At most %(n)d characters.", n=limit))]
    return errors
