"""Resettlement of refugee families from the camps: stages in order, each recorded with
what the next one depends on, holds, refusals, and departure in flight batches."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

from casework import audit
from casework.demo_bulk.story import Story
from casework.domain import resettlement
from casework.models import BatchCase, CaseMember, DepartureBatch, ResettlementDetails, StageRecord

DESTINATIONS = {"US": 75, "CA": 6, "AU": 6, "GB": 4, "NZ": 3, "NO": 2, "DK": 2, "NL": 2}
PROGRAMMES = {
    "US": "usrap",
    "CA": "canada_gar",
    "AU": "australia_200",
    "NZ": "nz_quota",
    "NO": "norway_quota",
    "DK": "denmark_quota",
    "NL": "netherlands_quota",
    "GB": "uk_gateway",
}
FLIGHTS = {"US": "QR 647", "CA": "QR 649", "AU": "TG 320", "NZ": "SQ 441", "GB": "QR 651"}
FLIGHT_WEEKDAY = 1  # Tuesday: a charter leaves Kathmandu each week
DEPARTS_AT = time(3, 30)  # UTC; 09:15 in Kathmandu
# Days spent at each stage before it is recorded and the case moves on.
DAYS = {
    "referred": (10, 40),
    "prescreening": (20, 60),
    "interview": (10, 45),
    "decision": (20, 90),
    "health_assessment": (15, 45),
    "cultural_orientation": (10, 30),
    "exit_permit": (10, 40),
}
ORIENTATION_AGE = 16  # adults attend (and older teenagers with them)


class ResettlementStory(Story):
    details_model = ResettlementDetails

    def __init__(self, story_args, household) -> None:
        super().__init__(*story_args)
        self.members = household.members[1:]  # the principal is the head
        self.records: dict[str, dict] = {}

    def stand_in(self):
        """What `kinds.Resettlement.check_entry` reads: the stage records and the family."""

        def person(row):
            return SimpleNamespace(id=row["id"], date_of_birth=row["date_of_birth"])

        records = {
            stage: SimpleNamespace(details=r["details"]) for stage, r in self.records.items()
        }
        details = SimpleNamespace(
            members=[SimpleNamespace(beneficiary=person(m)) for m in self.members],
            record=records.get,
        )
        return SimpleNamespace(
            status=self.status, beneficiary=person(self.person), resettlement_details=details
        )

    def live(self) -> None:
        self._open()
        for stage in resettlement.STAGES[:7]:  # referred .. exit_permit
            if not self.later(*DAYS[stage]) or not self._stays():
                return
            details = self._stage_details(stage)
            if details is not None:
                self._record(stage, details)
            if stage == "decision" and details["outcome"] != "accepted":
                self.move("rejected", "Refused by the resettlement country")
                return
            self.move(resettlement.next_stage(stage))
        if self.later(5, 20):
            self._record(
                "travel_booked", {"booking_reference": f"IOM-{self.rng.randint(0, 999_999):06d}"}
            )
            self._depart()

    def _open(self) -> None:
        rng = self.rng
        destination = rng.choices(list(DESTINATIONS), list(DESTINATIONS.values()))[0]
        fields = {
            "unhcr_case_number": f"BHU-{self.case['id']:07d}",
            "camp": rng.choices(list(resettlement.CAMPS), [7, 3])[0],
            "hut_address": f"Sector {rng.choice('ABCDEFG')}-{rng.randint(1, 9)}, hut {rng.randint(1, 120)}",
            "destination_country": destination,
            "programme": PROGRAMMES[destination],
            "special_needs": [rng.choice(list(resettlement.SPECIAL_NEEDS))]
            if rng.random() < 0.05
            else [],
        }
        for member in self.members:
            relation = member["relationship_to_head"]
            self.add(
                CaseMember,
                {
                    "case_id": self.case["id"],
                    "beneficiary_id": member["id"],
                    "relationship_to_principal": relation
                    if relation in resettlement.RELATIONSHIPS
                    else "other_relative",
                    "added_at": self.t,
                },
            )
        member_ids = sorted(m["id"] for m in self.members)
        self.open({**fields, "member_ids": member_ids}, fields)

    def _stays(self) -> bool:
        """Most families go on; some withdraw, some are held and resume where they were."""
        roll = self.rng.random()
        if roll < 0.015:
            self.move("withdrawn", "The family withdrew")
            return False
        if roll < 0.05:
            self.move("on_hold", "Waiting for medical treatment")
            if not self.later(30, 120):
                return False
            self.move(self.case["pending_from"], "Treatment completed")
        return True

    def _stage_details(self, stage: str) -> dict | None:
        """The record of a stage (as `services.resettlement.clean_stage` makes it)."""
        rng = self.rng
        family = [str(p["id"]) for p in [self.person, *self.members]]
        if stage == "interview":
            return {"result": "completed"}
        if stage == "decision":
            return {"outcome": "accepted" if rng.random() < 0.92 else "refused"}
        if stage == "health_assessment":
            return {"members": dict.fromkeys(family, "fit")}
        if stage == "cultural_orientation":
            people = [self.person, *self.members]
            attended = [
                str(p["id"])
                for p in people
                if (resettlement.age_on(p["date_of_birth"], self.day) or 0) >= ORIENTATION_AGE
            ]
            return {"attended": sorted(attended)}
        if stage == "exit_permit":
            number = f"EP-{self.day.year}-{rng.randint(0, 999_999):06d}"
            return {"permit_number": number, "permit_date": self.day.isoformat()}
        return None

    def _record(self, stage: str, details: dict) -> None:
        """`resettlement.record_stage` at the case's current stage."""
        assert stage == self.status and stage in resettlement.OPEN_STAGES
        details = {**details, "notes": ""}
        self.records[stage] = self.add(
            StageRecord,
            {
                "case_id": self.case["id"],
                "stage": stage,
                "recorded_on": self.day,
                "details": details,
                "recorded_by_id": self.worker.id,
                "recorded_at": self.t,
            },
        )
        self.event(
            self.worker, "stage", changes={"stage": stage, "recorded_on": self.day, **details}
        )

    def _depart(self) -> None:
        """On the next weekly flight: in its batch, departed with it, arrived a day later."""
        day = self.day + timedelta(days=7)
        day += timedelta(days=(FLIGHT_WEEKDAY - day.weekday()) % 7)
        departs = datetime.combine(day, DEPARTS_AT, UTC)
        if departs > self.ctx.now:
            return  # travel booked, waiting for the flight
        batch = self._batch(day, departs)
        self.t = departs
        comment = f"Departed on {batch['flight']}, {day}"
        self.move("departed", comment, via="batch")
        if self.later(1, 2):
            self.move("arrived", "Arrival confirmed by the receiving office")

    def _batch(self, day, departs: datetime) -> dict:
        """The flight's manifest (one per office, destination and day), joined by this case."""
        destination = self.details["destination_country"]
        key = (self.case["office_code"], destination, day)
        batch = self.ctx.batches.get(key)
        if batch is None:
            batch = self.ctx.batches[key] = self._new_batch(destination, day, departs)
        batch["case_ids"].append(self.case["id"])
        self.add(BatchCase, {"batch_id": batch["id"], "case_id": self.case["id"]})
        return batch

    def _new_batch(self, destination: str, day, departs: datetime) -> dict:
        loader, worker = self.loader, self.worker
        row = {
            "id": loader.next_id(DepartureBatch),
            "office_code": self.case["office_code"],
            "departure_date": day,
            "flight": FLIGHTS.get(destination, "QR 653"),
            "origin": "Kathmandu (KTM)",
            "destination": "",
            "created_by_id": worker.id,
            "created_at": departs - timedelta(days=3),
            "confirmed_at": departs + timedelta(minutes=1),
            "confirmed_by_id": worker.id,
        }
        loader.add(DepartureBatch, row)
        batch = {**row, "case_ids": []}
        values = {
            k: audit.jsonable(row[k]) for k in ("departure_date", "flight", "origin", "destination")
        }
        # The manifest's list of cases is filled in as cases join, before these are written.
        for at, action, changes in (
            (
                row["created_at"],
                "departure_batch.create",
                {**values, "case_ids": batch["case_ids"]},
            ),
            (
                row["confirmed_at"],
                "departure_batch.confirm",
                {"case_ids": batch["case_ids"], "flight": row["flight"]},
            ),
        ):
            loader.audit_at(at, worker, action, "departure_batch", row["id"], changes)
        return batch
