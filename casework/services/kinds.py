"""What differs between kinds of case: their fields, rules and details table.

The case service (casework.services.cases) works on any kind through these handlers: it
asks the kind to clean its fields, to build or change its details row, to say what it
holds now, and whether a case may enter a status. A new kind adds a handler here and a
table in casework.domain.workflow; the case service does not change.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from casework.domain import conflict, reintegration
from casework.errors import ValidationError
from casework.extensions import db
from casework.models import Case, ConflictDetails, Country, District, ReturnDetails


class CaseKind:
    kind: str = ""
    fields: tuple[str, ...] = ()
    details_attr: str = ""

    def clean(self, data: dict, errors: dict[str, list[str]]) -> dict:
        raise NotImplementedError

    def build(self, values: dict) -> dict:
        """Keyword arguments for Case(): the details row of this kind."""
        raise NotImplementedError

    def details(self, case: Case):
        return getattr(case, self.details_attr)

    def current(self, case: Case) -> dict:
        details = self.details(case)
        return {field: getattr(details, field) for field in self.fields} if details else {}

    def apply(self, case: Case, values: dict) -> None:
        """Store edited values; refuse them if they contradict work already recorded."""
        details = self.details(case)
        for field, value in values.items():
            setattr(details, field, value)

    def check_entry(self, case: Case, to_status: str) -> None:
        """Raise ValidationError if the case may not enter `to_status` yet."""

    def loggable(self, values: dict) -> dict:
        """Values as the history and the audit log may keep them."""
        return values

    def loggable_diff(self, diff: dict) -> dict:
        """A {field: [old, new]} diff as the history and the audit log may keep it."""
        return diff

    def check_known(self, data: dict) -> None:
        """Refuse fields of another kind rather than silently dropping them."""
        foreign = sorted(set(data) - set(self.fields))
        if foreign:
            message = _("Not a field of this kind of case.")
            raise ValidationError(fields={name: [message] for name in foreign})


class ReturnReintegration(CaseKind):
    kind = "return_reintegration"
    fields = ("host_country", "return_date", "return_reason", "arrival_help")
    details_attr = "return_details"

    def clean(self, data: dict, errors: dict[str, list[str]]) -> dict:
        host = (data.get("host_country") or "").strip().upper()
        if not host:
            errors["host_country"] = [_("Choose the country the person returned from.")]
        elif host == "NP" or len(host) != 2 or not db.session.get(Country, host):
            errors["host_country"] = [_("Choose a country other than Nepal from the list.")]
        problems = reintegration.check_return_date(data.get("return_date"), date.today())
        if problems:
            errors["return_date"] = problems
        if data.get("return_reason") not in reintegration.RETURN_REASONS:
            errors["return_reason"] = [_("Choose a reason from the list.")]
        help_given = list(data.get("arrival_help") or [])
        unknown = set(help_given) - set(reintegration.ARRIVAL_HELP)
        if unknown:
            errors["arrival_help"] = [_("Unknown: %(codes)s.", codes=", ".join(sorted(unknown)))]
        return {
            "host_country": host,
            "return_date": data.get("return_date"),
            "return_reason": data.get("return_reason"),
            "arrival_help": help_given,
        }

    def build(self, values: dict) -> dict:
        return {"return_details": ReturnDetails(**values)}

    def apply(self, case: Case, values: dict) -> None:
        details = case.return_details
        worked = [d.delivered_on for d in details.deliveries] + [
            v.visit_date for v in details.visits
        ]
        if worked and values["return_date"] > min(worked):
            message = _(
                "Assistance or a visit on %(day)s is recorded before this date.", day=min(worked)
            )
            raise ValidationError(fields={"return_date": [message]})
        super().apply(case, values)

    def check_entry(self, case: Case, to_status: str) -> None:
        details = case.return_details
        if to_status == "plan_pending":
            errors = {}
            if not (details.plan_goals or "").strip():
                errors["plan_goals"] = [_("Write the goals of the reintegration plan first.")]
            if not details.plan_items:
                errors["plan_items"] = [_("Plan at least one assistance item first.")]
            if errors:
                raise ValidationError(fields=errors)
        if to_status == "monitoring" and not any(
            d.status == "recorded" for d in details.deliveries
        ):
            raise ValidationError(
                fields={"to": [_("Record the assistance delivered before monitoring starts.")]}
            )


class ConflictVictim(CaseKind):
    kind = "conflict_victim"
    fields = (
        "victim_categories",
        "incident_date",
        "incident_district_id",
        "disability_percent",
        "taskforce_reference",
        "ward_recommendation",
        "documents_seen",
        "relief_received",
    )
    details_attr = "conflict_details"

    def clean(self, data: dict, errors: dict[str, list[str]]) -> dict:
        errors.update(conflict.check(data, date.today()))
        district_id = data.get("incident_district_id")
        if district_id is None:
            errors["incident_district_id"] = [_("Choose the district of the incident.")]
        elif not isinstance(district_id, int) or not db.session.get(District, district_id):
            errors["incident_district_id"] = [_("Choose a district from the list.")]
        categories = sorted(set(data.get("victim_categories") or []))
        return {
            "victim_categories": categories,
            "incident_date": data.get("incident_date"),
            "incident_district_id": district_id,
            "disability_percent": data.get("disability_percent"),
            "taskforce_reference": (data.get("taskforce_reference") or "").strip(),
            "ward_recommendation": bool(data.get("ward_recommendation")),
            "documents_seen": (data.get("documents_seen") or "").strip(),
            "relief_received": (data.get("relief_received") or "").strip(),
        }

    def build(self, values: dict) -> dict:
        details = ConflictDetails(
            **values, sensitive=conflict.is_sensitive(values["victim_categories"])
        )
        return {"conflict_details": details}

    def loggable(self, values: dict) -> dict:
        """Torture and sexual violence never reach the history or the audit log in words."""
        if "victim_categories" in values and conflict.is_sensitive(values["victim_categories"]):
            return {**values, "victim_categories": "restricted"}
        return values

    def loggable_diff(self, diff: dict) -> dict:
        change = diff.get("victim_categories")
        if change and any(conflict.is_sensitive(side) for side in change):
            return {**diff, "victim_categories": ["restricted", "restricted"]}
        return diff

    def apply(self, case: Case, values: dict) -> None:
        super().apply(case, values)
        case.conflict_details.sensitive = conflict.is_sensitive(values["victim_categories"])

    def check_entry(self, case: Case, to_status: str) -> None:
        details = case.conflict_details
        if to_status == "active" and not (
            details.taskforce_reference or details.ward_recommendation
        ):
            raise ValidationError(
                fields={
                    "taskforce_reference": [
                        _(
                            "Verification needs the taskforce list reference or the ward's "
                            "recommendation."
                        )
                    ]
                }
            )


HANDLERS: dict[str, CaseKind] = {h.kind: h for h in (ReturnReintegration(), ConflictVictim())}


def handler(kind: str) -> CaseKind:
    return HANDLERS[kind]


def is_sensitive(case: Case) -> bool:
    return bool(case.conflict_details and case.conflict_details.sensitive)
