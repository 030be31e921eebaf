"""Resettlement of refugee families: the stages, what each stage records, and the pipeline
figures (median days per stage).

Stages come in a fixed order and none can be skipped. `on_hold` keeps the stage the case
was at (Case.pending_from) and the case resumes there; `rejected` and `withdrawn` end it.
A stage is left only once its record holds what the next stage depends on (`stage_ready`).
"""

from __future__ import annotations

from datetime import date
from statistics import median

from flask_babel import lazy_gettext as _l

STAGES = (
    "referred",
    "prescreening",
    "interview",
    "decision",
    "health_assessment",
    "cultural_orientation",
    "exit_permit",
    "travel_booked",
    "departed",
    "arrived",
)
# Stages before departure: a case can be held, rejected or withdrawn from these.
OPEN_STAGES = STAGES[:8]

CAMPS = {"beldangi": _l("Beldangi"), "sanischare": _l("Sanischare")}
SPECIAL_NEEDS = {
    "medical_escort": _l("Medical escort"),
    "wheelchair": _l("Wheelchair"),
    "unaccompanied_minor": _l("Unaccompanied minor"),
}
PROGRAMMES = {
    "usrap": _l("United States Refugee Admissions Program"),
    "canada_gar": _l("Canada: government-assisted refugees"),
    "australia_200": _l("Australia: refugee visa (subclass 200)"),
    "nz_quota": _l("New Zealand refugee quota"),
    "norway_quota": _l("Norway quota"),
    "denmark_quota": _l("Denmark quota"),
    "netherlands_quota": _l("Netherlands quota"),
    "uk_gateway": _l("United Kingdom Gateway Protection Programme"),
}
DESTINATIONS = ("US", "CA", "AU", "NZ", "NO", "DK", "NL", "GB")
RELATIONSHIPS = {
    "spouse": _l("Spouse"),
    "child": _l("Son or daughter"),
    "parent": _l("Parent"),
    "sibling": _l("Brother or sister"),
    "grandchild": _l("Grandchild"),
    "other_relative": _l("Other relative"),
}
INTERVIEW_RESULTS = {"completed": _l("Completed"), "reschedule": _l("To be rescheduled")}
DECISIONS = {"accepted": _l("Accepted"), "refused": _l("Refused")}
HEALTH_RESULTS = {
    "fit": _l("Fit to travel"),
    "needs_treatment": _l("Needs treatment"),
    "deferred": _l("Deferred"),
}
ADULT_AGE = 18


def next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def transitions() -> dict[str, tuple[str, ...]]:
    """The table: each stage to the next; before departure also on hold, rejected, withdrawn.
    `on_hold` goes back to any open stage; the service allows only the one it was held at."""
    table: dict[str, tuple[str, ...]] = {}
    for stage in STAGES:
        following = next_stage(stage)
        moves = (following,) if following else ()
        if stage in OPEN_STAGES:
            moves += ("on_hold", "rejected", "withdrawn")
        table[stage] = moves
    table["on_hold"] = (*OPEN_STAGES, "withdrawn")
    table["rejected"] = ()
    table["withdrawn"] = ()
    return table


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def stage_ready(stage: str, record: dict, members: list[dict], today: date) -> list[str]:
    """What is missing before a case may leave `stage` forward (empty list: ready).

    `record` is the stage's stored details; `members` are dicts with id and date_of_birth.
    """
    missing: list[str] = []
    if stage == "interview" and record.get("result") != "completed":
        missing.append(str(_l("Record the interview as completed.")))
    if stage == "decision" and record.get("outcome") != "accepted":
        missing.append(str(_l("Only an accepted case goes on; a refused one is rejected.")))
    if stage == "health_assessment":
        results = record.get("members") or {}
        if any(results.get(str(m["id"])) != "fit" for m in members):
            missing.append(str(_l("Every member must be assessed fit to travel.")))
    if stage == "cultural_orientation":
        attended = set(record.get("attended") or [])
        adults = [m for m in members if (age_on(m.get("date_of_birth"), today) or 0) >= ADULT_AGE]
        if any(str(m["id"]) not in attended for m in adults):
            missing.append(str(_l("Every adult member must attend cultural orientation.")))
    if stage == "exit_permit" and not (record.get("permit_number") and record.get("permit_date")):
        missing.append(str(_l("Record the exit permit number and date.")))
    if stage == "travel_booked" and not record.get("booking_reference"):
        missing.append(str(_l("Record the travel booking.")))
    return missing


def median_days(durations: dict[str, list[int]]) -> dict[str, float | None]:
    """The median number of days spent in each stage, from completed stays."""
    return {stage: (median(durations[stage]) if durations.get(stage) else None) for stage in STAGES}
