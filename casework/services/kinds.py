"""What differs between kinds of case: their fields, rules and details table.

The case service (casework.services.cases) works on any kind through these handlers: it
asks the kind to clean its fields, to build or change its details row, to say what it
holds now, and whether a case may enter a status. A new kind adds a handler here and a
table in casework.domain.workflow; the case service does not change.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from casework.domain import conflict, reintegration, resettlement
from casework.errors import ValidationError
from casework.extensions import db
from casework.models import (
    Beneficiary,
    Case,
    CaseMember,
    ConflictDetails,
    Country,
    District,
    ResettlementDetails,
    ReturnDetails,
)


class CaseKind:
    kind: str = ""
    fields: tuple[str, ...] = ()
    details_attr: str = ""

    def clean(self, data: dict, errors: dict[str, list[str]], *, case=None, principal=None) -> dict:
        """Validated values of this kind's fields; `case` is None when opening one."""
        raise NotImplementedError

    def build(self, values: dict, principal=None) -> dict:
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

    def check_entry(self, case: Case, to_status: str, via: str = "case") -> None:
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

    def clean(self, data: dict, errors: dict[str, list[str]], *, case=None, principal=None) -> dict:
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

    def build(self, values: dict, principal=None) -> dict:
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

    def check_entry(self, case: Case, to_status: str, via: str = "case") -> None:
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

    def clean(self, data: dict, errors: dict[str, list[str]], *, case=None, principal=None) -> dict:
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

    def build(self, values: dict, principal=None) -> dict:
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

    def check_entry(self, case: Case, to_status: str, via: str = "case") -> None:
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


class Resettlement(CaseKind):
    kind = "resettlement"
    fields = (
        "unhcr_case_number",
        "camp",
        "hut_address",
        "destination_country",
        "programme",
        "special_needs",
        "member_ids",
    )
    details_attr = "resettlement_details"
    MEMBERS_FROZEN_FROM = "travel_booked"  # members can change before the booking only

    def current(self, case: Case) -> dict:
        details = case.resettlement_details
        if details is None:
            return {}
        values = {field: getattr(details, field) for field in self.fields if field != "member_ids"}
        values["member_ids"] = [m.beneficiary_id for m in details.members]
        return values

    def clean(self, data: dict, errors: dict[str, list[str]], *, case=None, principal=None) -> dict:
        number = (data.get("unhcr_case_number") or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9./-]{2,31}", number):
            errors["unhcr_case_number"] = [_("Give the UNHCR case number, such as BHU-123456.")]
        else:
            holder = db.session.scalar(
                select(Case)
                .join(ResettlementDetails, ResettlementDetails.case_id == Case.id)
                .where(ResettlementDetails.unhcr_case_number == number)
            )
            if holder is not None and (case is None or holder.id != case.id):
                errors["unhcr_case_number"] = [
                    _(
                        "This UNHCR case number is already on case %(number)s.",
                        number=holder.case_number,
                    )
                ]
        if data.get("camp") not in resettlement.CAMPS:
            errors["camp"] = [_("Choose Beldangi or Sanischare.")]
        destination = (data.get("destination_country") or "").strip().upper()
        if (
            destination in ("NP", "BT")
            or len(destination) != 2
            or not db.session.get(Country, destination)
        ):
            errors["destination_country"] = [_("Choose the country of resettlement.")]
        programme = data.get("programme") or ""
        if programme and programme not in resettlement.PROGRAMMES:
            errors["programme"] = [_("Choose a programme from the list.")]
        needs = sorted(set(data.get("special_needs") or []))
        if set(needs) - set(resettlement.SPECIAL_NEEDS):
            errors["special_needs"] = [_("Choose special needs from the list.")]
        hut = (data.get("hut_address") or "").strip()
        if len(hut) > 60:
            errors["hut_address"] = [_("At most %(n)d characters.", n=60)]
        member_ids = self._clean_members(data.get("member_ids") or [], case, principal, errors)
        return {
            "unhcr_case_number": number,
            "camp": data.get("camp"),
            "hut_address": hut,
            "destination_country": destination,
            "programme": programme,
            "special_needs": needs,
            "member_ids": member_ids,
        }

    def _clean_members(self, member_ids, case, principal, errors) -> list[int]:
        ids = []
        for value in member_ids:
            if not isinstance(value, int) or isinstance(value, bool) or value in ids:
                errors["member_ids"] = [_("Each member once, by beneficiary id.")]
                return []
            ids.append(value)
        if principal is not None and principal.id in ids:
            errors["member_ids"] = [_("The principal applicant is not also a member.")]
            return []
        people = (
            {
                b.id: b
                for b in db.session.scalars(select(Beneficiary).where(Beneficiary.id.in_(ids)))
            }
            if ids
            else {}
        )
        office = principal.office_code if principal is not None else None
        for member_id in ids:
            person = people.get(member_id)
            if person is None or person.office_code != office:
                errors["member_ids"] = [_("No beneficiary %(id)s in this office.", id=member_id)]
                return []
        elsewhere = self._open_case_of(ids, case)
        if elsewhere:
            errors["member_ids"] = [
                _("A member is already on open case %(number)s.", number=elsewhere)
            ]
        return sorted(ids)  # one order, so an unchanged list is never seen as a change

    def _open_case_of(self, ids: list[int], case) -> str | None:
        """The number of another open resettlement case holding one of these people
        (as a member or as its principal applicant)."""
        if not ids:
            return None
        other = Case.id != (case.id if case is not None else -1)
        as_member = (
            select(Case.case_number)
            .join(CaseMember, CaseMember.case_id == Case.id)
            .where(CaseMember.beneficiary_id.in_(ids), Case.closed_at.is_(None), other)
        )
        as_principal = select(Case.case_number).where(
            Case.kind == self.kind,
            Case.beneficiary_id.in_(ids),
            Case.closed_at.is_(None),
            other,
        )
        return db.session.scalar(as_member.limit(1)) or db.session.scalar(as_principal.limit(1))

    def _members(self, ids: list[int], principal, keep: dict | None = None) -> list[CaseMember]:
        keep = keep or {}
        result = []
        for member_id in ids:
            if member_id in keep:
                result.append(keep[member_id])
                continue
            person = db.session.get(Beneficiary, member_id)
            same_household = principal is not None and person.household_id == principal.household_id
            relation = person.relationship_to_head if same_household else "other_relative"
            if relation not in resettlement.RELATIONSHIPS:
                relation = "other_relative"
            result.append(CaseMember(beneficiary_id=member_id, relationship_to_principal=relation))
        return result

    def build(self, values: dict, principal=None) -> dict:
        fields = {k: v for k, v in values.items() if k != "member_ids"}
        details = ResettlementDetails(
            **fields, members=self._members(values["member_ids"], principal)
        )
        return {"resettlement_details": details}

    def apply(self, case: Case, values: dict) -> None:
        details = case.resettlement_details
        current_ids = sorted(m.beneficiary_id for m in details.members)
        if values["member_ids"] != current_ids and not self.members_editable(case):
            raise ValidationError(
                fields={"member_ids": [_("Members cannot change once travel is booked.")]}
            )
        for field, value in values.items():
            if field != "member_ids":
                setattr(details, field, value)
        keep = {m.beneficiary_id: m for m in details.members}
        details.members = self._members(values["member_ids"], case.beneficiary, keep)

    def members_editable(self, case: Case) -> bool:
        stage = case.pending_from if case.status == "on_hold" else case.status
        if stage not in resettlement.STAGES:
            return False
        return resettlement.STAGES.index(stage) < resettlement.STAGES.index(
            self.MEMBERS_FROZEN_FROM
        )

    def family(self, case: Case) -> list[Beneficiary]:
        """The principal first, then the members."""
        return [case.beneficiary] + [m.beneficiary for m in case.resettlement_details.members]

    def check_entry(self, case: Case, to_status: str, via: str = "case") -> None:
        if to_status == "departed" and via != "batch":
            raise ValidationError(
                fields={"to": [_("Departures are confirmed for a whole flight, on its batch.")]}
            )
        if case.status not in resettlement.STAGES:
            return  # leaving on_hold: back to where the case was
        if to_status != resettlement.next_stage(case.status):
            return
        record = case.resettlement_details.record(case.status)
        people = [{"id": p.id, "date_of_birth": p.date_of_birth} for p in self.family(case)]
        missing = resettlement.stage_ready(
            case.status, record.details if record else {}, people, date.today()
        )
        if missing:
            raise ValidationError(fields={"to": missing})


HANDLERS: dict[str, CaseKind] = {
    h.kind: h for h in (ReturnReintegration(), ConflictVictim(), Resettlement())
}


def handler(kind: str) -> CaseKind:
    return HANDLERS[kind]


def is_sensitive(case: Case) -> bool:
    return bool(case.conflict_details and case.conflict_details.sensitive)
