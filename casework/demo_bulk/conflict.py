"""Victims of the armed conflict (1996-2006): categories and incident, verification against
the taskforce list or the ward's recommendation, support, closure."""

from __future__ import annotations

from datetime import timedelta

from casework.demo_bulk.referrals import refer
from casework.demo_bulk.story import Story
from casework.domain import conflict
from casework.models import ConflictCategory, ConflictDetails

# How often each category is recorded (weights; several may apply to one person).
CATEGORIES = {
    "killed_family": 25,
    "displaced": 25,
    "property_damaged": 20,
    "injured_disabled": 15,
    "disappeared_family": 10,
    "abducted": 8,
    "orphan": 5,
    "torture": 5,
    "sexual_violence": 2,
}
CONFLICT_DAYS = (conflict.CONFLICT_END - conflict.CONFLICT_START).days
SERVICES = ("psychosocial", "psychosocial", "medical", "legal_aid")


class ConflictStory(Story):
    details_model = ConflictDetails

    def live(self) -> None:
        fields = self._fields()
        # The model keeps one ConflictCategory row per category (a @validates hook that
        # bulk inserts bypass): the rows are written here, in step with the list.
        for category in fields["victim_categories"]:
            self.add(ConflictCategory, {"case_id": self.case["id"], "category": category})
        sensitive = conflict.is_sensitive(fields["victim_categories"])
        self.open(fields, {**fields, "sensitive": sensitive})
        if not self.later(3, 30):
            return
        self.move("verification", "Documents requested")
        letter = self.follow_up(
            "Collect the ward's recommendation", self.day + timedelta(days=self.rng.randint(10, 30))
        )
        if not self.later(10, 60) or self.rng.random() < 0.05:
            return
        self.done(letter)
        if not (self.details["taskforce_reference"] or self.details["ward_recommendation"]):
            return  # the entry rule of "active": it waits for a reference or the ward
        self.move("active", "Verified against the taskforce list")
        if self.rng.random() < 0.5:
            refer(self, self.rng.choice(SERVICES), "Persistent distress since the conflict")
        if self.later(60, 400):
            self.close("completed", "Support completed", "Agreed")

    def _fields(self) -> dict:
        rng = self.rng
        picked = rng.choices(list(CATEGORIES), list(CATEGORIES.values()), k=rng.choice([1, 1, 2]))
        categories = sorted(set(picked))
        injured = "injured_disabled" in categories
        fields = {
            "victim_categories": categories,
            "incident_date": conflict.CONFLICT_START
            + timedelta(days=rng.randint(0, CONFLICT_DAYS)),
            "incident_district_id": self.person["district_id"] or rng.randint(1, 77),
            "disability_percent": rng.choice([10, 20, 40, 60, 80]) if injured else None,
            "taskforce_reference": f"TF-{rng.randint(1000, 99999)}" if rng.random() < 0.7 else "",
            "ward_recommendation": rng.random() < 0.5,
            "documents_seen": "Citizenship certificate; police report"
            if rng.random() < 0.6
            else "",
            "relief_received": "Interim relief, NPR 100,000" if rng.random() < 0.3 else "",
        }
        errors = conflict.check(fields, self.ctx.today)
        assert not errors, errors
        return fields
