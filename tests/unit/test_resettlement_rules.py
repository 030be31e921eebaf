"""Resettlement rules: the stage table, what each stage must record before the case moves on,
and the pipeline figures (median days per stage) on a hand-worked example.

The expected table and figures are written out by hand here, not computed with the code
under test, so that a change to the rules shows up as a failing test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from casework.domain import resettlement
from casework.domain.workflow import RESETTLEMENT, TransitionNotAllowed, check_transition
from casework.extensions import db
from casework.models import Case, CaseEvent
from casework.services import cases
from casework.services import resettlement as service
from tests.factories import BeneficiaryFactory, UserFactory

KIND = "resettlement"
ORDER = [
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
]
OPEN = ORDER[:8]  # before departure
SIDE = ["on_hold", "rejected", "withdrawn"]
EVERY = ORDER + SIDE


def _allowed(from_status: str, to_status: str) -> bool:
    try:
        check_transition(KIND, from_status, to_status)
    except TransitionNotAllowed:
        return False
    return True


# --- the stage table ------------------------------------------------------------------------


def test_stages_come_in_the_designed_order():
    assert list(resettlement.STAGES) == ORDER
    assert RESETTLEMENT.initial == "referred"
    assert RESETTLEMENT.hold == "on_hold"


@pytest.mark.parametrize(("stage", "following"), list(zip(ORDER, ORDER[1:], strict=False)))
def test_each_stage_goes_on_to_the_next(stage, following):
    assert _allowed(stage, following)


@pytest.mark.parametrize("stage", ORDER)
def test_every_skip_and_every_step_back_is_refused(stage):
    index = ORDER.index(stage)
    following = ORDER[index + 1] if index + 1 < len(ORDER) else None
    refused = [s for s in ORDER if s != following]
    for target in refused:
        with pytest.raises(TransitionNotAllowed) as caught:
            check_transition(KIND, stage, target)
        assert caught.value.to_status == target
        assert caught.value.from_status == stage
        # The refusal names what is allowed instead: the next stage, no other stage.
        assert [s for s in caught.value.allowed if s in ORDER] == ([following] if following else [])


@pytest.mark.parametrize("stage", OPEN)
def test_open_stages_can_be_held_rejected_or_withdrawn(stage):
    assert set(RESETTLEMENT.allowed(stage)) == {ORDER[ORDER.index(stage) + 1], *SIDE}


def test_after_departure_only_arrival():
    assert RESETTLEMENT.allowed("departed") == ("arrived",)
    for target in EVERY:
        assert _allowed("departed", target) is (target == "arrived"), target


@pytest.mark.parametrize("final", ["arrived", "rejected", "withdrawn"])
def test_final_statuses_go_nowhere(final):
    assert final in RESETTLEMENT.final
    for target in EVERY:
        assert not _allowed(final, target), (final, target)


def test_on_hold_returns_to_an_open_stage_or_is_withdrawn():
    """The table allows any open stage; the case service narrows it to the held stage."""
    assert set(RESETTLEMENT.allowed("on_hold")) == {*OPEN, "withdrawn"}
    for target in ["departed", "arrived", "rejected", "on_hold"]:
        assert not _allowed("on_hold", target), target


def test_departed_is_not_open_for_hold_reject_or_withdraw():
    assert "departed" not in resettlement.OPEN_STAGES
    assert list(resettlement.OPEN_STAGES) == OPEN


# --- what a stage must record before the case moves on --------------------------------------

TODAY = date(2026, 6, 15)
PRINCIPAL = {"id": 1, "date_of_birth": date(1970, 1, 1)}
SPOUSE = {"id": 2, "date_of_birth": date(1975, 3, 3)}
CHILD = {"id": 3, "date_of_birth": date(2018, 9, 9)}
FAMILY = [PRINCIPAL, SPOUSE, CHILD]


def _ready(stage, record, members=FAMILY):
    return resettlement.stage_ready(stage, record, members, TODAY)


@pytest.mark.parametrize("stage", ["referred", "prescreening"])
def test_early_stages_need_nothing_recorded(stage):
    assert _ready(stage, {}) == []


def test_interview_must_be_completed():
    assert _ready("interview", {"result": "completed"}) == []
    for record in [{}, {"result": "reschedule"}, {"result": None}]:
        assert _ready("interview", record) == ["Record the interview as completed."], record


def test_decision_must_be_accepted():
    assert _ready("decision", {"outcome": "accepted"}) == []
    for record in [{}, {"outcome": "refused"}]:
        missing = _ready("decision", record)
        assert missing == ["Only an accepted case goes on; a refused one is rejected."], record


def test_health_every_member_fit():
    fit = {"1": "fit", "2": "fit", "3": "fit"}
    assert _ready("health_assessment", {"members": fit}) == []
    message = ["Every member must be assessed fit to travel."]
    for result in ["needs_treatment", "deferred"]:
        assert _ready("health_assessment", {"members": {**fit, "3": result}}) == message
    # The principal counts as a member, and a member without a result is not fit.
    assert _ready("health_assessment", {"members": {"2": "fit", "3": "fit"}}) == message
    assert _ready("health_assessment", {"members": {"1": "fit", "2": "fit"}}) == message
    assert _ready("health_assessment", {}) == message


def test_orientation_every_adult_children_exempt():
    message = ["Every adult member must attend cultural orientation."]
    assert _ready("cultural_orientation", {"attended": ["1", "2"]}) == []
    assert _ready("cultural_orientation", {"attended": ["1"]}) == message
    assert _ready("cultural_orientation", {"attended": ["2", "3"]}) == message
    assert _ready("cultural_orientation", {}) == message


def test_orientation_adult_from_the_eighteenth_birthday():
    turns_18_today = {"id": 4, "date_of_birth": date(2008, 6, 15)}
    turns_18_tomorrow = {"id": 5, "date_of_birth": date(2008, 6, 16)}
    message = ["Every adult member must attend cultural orientation."]
    assert _ready("cultural_orientation", {"attended": ["1"]}, [PRINCIPAL, turns_18_tomorrow]) == []
    assert _ready("cultural_orientation", {"attended": ["1"]}, [PRINCIPAL, turns_18_today]) == (
        message
    )
    assert (
        _ready("cultural_orientation", {"attended": ["1", "4"]}, [PRINCIPAL, turns_18_today]) == []
    )


def test_exit_permit_needs_number_and_date():
    assert _ready("exit_permit", {"permit_number": "EP-1", "permit_date": "2026-06-01"}) == []
    message = ["Record the exit permit number and date."]
    assert _ready("exit_permit", {"permit_number": "EP-1"}) == message
    assert _ready("exit_permit", {"permit_date": "2026-06-01"}) == message
    assert _ready("exit_permit", {"permit_number": "", "permit_date": "2026-06-01"}) == message


def test_travel_needs_a_booking():
    assert _ready("travel_booked", {"booking_reference": "IOM-1"}) == []
    assert _ready("travel_booked", {}) == ["Record the travel booking."]
    assert _ready("travel_booked", {"booking_reference": ""}) == ["Record the travel booking."]


def test_age_on_counts_whole_years():
    assert resettlement.age_on(date(2008, 6, 15), TODAY) == 18
    assert resettlement.age_on(date(2008, 6, 16), TODAY) == 17
    assert resettlement.age_on(None, TODAY) is None


# --- median days ----------------------------------------------------------------------------


def test_median_days_per_stage():
    figures = resettlement.median_days(
        {"referred": [10, 4, 6], "prescreening": [20, 30], "interview": [2, 12, 4, 100]}
    )
    assert figures["referred"] == 6
    assert figures["prescreening"] == 25
    assert figures["interview"] == 8
    # Every stage has an entry; a stage without a completed stay has no figure.
    assert set(figures) == set(ORDER)
    assert figures["decision"] is None
    assert resettlement.median_days({"decision": []})["decision"] is None


# --- the pipeline, on a hand-worked example -------------------------------------------------
#
# Four families (dates are the days each entered a stage):
#
#   A  beldangi   US  referred 2025-01-01, prescreening 01-11, interview 01-31
#   B  beldangi   CA  referred 2025-01-05, prescreening 01-09, interview 02-08, decision 02-10
#   C  sanischare US  referred 2025-02-01, prescreening 02-07
#   D  beldangi   US  referred 2025-03-01, prescreening 03-03
#
# Completed stays:  referred A 10, B 4, C 6, D 2  -> median 5
#                   prescreening A 20, B 30       -> median 25
#                   interview B 2                 -> median 2
# On 2025-04-01: A waits 60 days at interview, B 50 at decision, C 53 and D 29 at prescreening.

EXAMPLE = {
    "A": ("beldangi", "US", ["2025-01-01", "2025-01-11", "2025-01-31"]),
    "B": ("beldangi", "CA", ["2025-01-05", "2025-01-09", "2025-02-08", "2025-02-10"]),
    "C": ("sanischare", "US", ["2025-02-01", "2025-02-07"]),
    "D": ("beldangi", "US", ["2025-03-01", "2025-03-03"]),
}
BOARD_DAY = date(2025, 4, 1)
RECORDS = {"interview": {"result": "completed"}, "decision": {"outcome": "accepted"}}


@pytest.fixture
def example():
    """The four families, moved through the real services, their history then back-dated."""
    supervisor = UserFactory(role="supervisor", office_code="DMK")
    built = {}
    for n, (name, (camp, destination, days)) in enumerate(EXAMPLE.items()):
        head = BeneficiaryFactory(office_code="DMK", registration_number=f"DMK-2025-00090{n}")
        db.session.flush()
        case = cases.open_case(
            supervisor,
            KIND,
            head.id,
            {
                "unhcr_case_number": f"BHU-90000{n}",
                "camp": camp,
                "destination_country": destination,
            },
        )
        for stage in ORDER[1 : len(days)]:
            current = case.status
            if current in RECORDS:
                service.record_stage(
                    supervisor, case, {"recorded_on": date(2025, 1, 1), **RECORDS[current]}
                )
            cases.transition(supervisor, case, stage, case.version)
        events = db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.to_status.is_not(None))
            .order_by(CaseEvent.id)
        ).all()
        assert [e.to_status for e in events] == ORDER[: len(days)]
        for event, day in zip(events, days, strict=True):
            event.occurred_at = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
        built[name] = case
    db.session.commit()
    return supervisor, built


def _ids(board, stage):
    return [(case.id, days) for case, days in board.longest.get(stage, [])]


def test_pipeline_counts_longest_and_medians(example):
    supervisor, c = example
    board = service.pipeline(supervisor, today=BOARD_DAY)
    assert board.destinations == ["CA", "US"]
    assert board.counts == {
        "interview": {"US": 1},
        "decision": {"CA": 1},
        "prescreening": {"US": 2},
    }
    assert board.median_days["referred"] == 5
    assert board.median_days["prescreening"] == 25
    assert board.median_days["interview"] == 2
    assert all(board.median_days[s] is None for s in ORDER[3:])
    assert _ids(board, "prescreening") == [(c["C"].id, 53), (c["D"].id, 29)]
    assert _ids(board, "interview") == [(c["A"].id, 60)]
    assert _ids(board, "decision") == [(c["B"].id, 50)]
    assert "referred" not in board.longest


def test_pipeline_camp_filter(example):
    supervisor, c = example
    board = service.pipeline(supervisor, camp="sanischare", today=BOARD_DAY)
    assert board.counts == {"prescreening": {"US": 1}}
    assert board.median_days["referred"] == 6
    assert board.median_days["prescreening"] is None
    assert _ids(board, "prescreening") == [(c["C"].id, 53)]


def test_pipeline_destination_filter(example):
    supervisor, c = example
    board = service.pipeline(supervisor, destination="CA", today=BOARD_DAY)
    assert board.destinations == ["CA"]
    assert board.counts == {"decision": {"CA": 1}}
    assert board.median_days["referred"] == 4
    assert board.median_days["prescreening"] == 30
    assert board.median_days["interview"] == 2


def test_pipeline_period_limits_the_medians_to_stays_ending_in_it(example):
    supervisor, _c = example
    # Stays that ended in January: referred A 10 and B 4, prescreening A 20 (ended 01-31).
    january = service.pipeline(
        supervisor, start=date(2025, 1, 1), end=date(2025, 1, 31), today=BOARD_DAY
    )
    assert january.median_days["referred"] == 7
    assert january.median_days["prescreening"] == 20
    assert january.median_days["interview"] is None
    # The last day of the period is inside it; a day earlier, A's prescreening is not.
    earlier = service.pipeline(
        supervisor, start=date(2025, 1, 1), end=date(2025, 1, 30), today=BOARD_DAY
    )
    assert earlier.median_days["prescreening"] is None
    # From February on: referred C 6 and D 2, prescreening B 30, interview B 2.
    later = service.pipeline(supervisor, start=date(2025, 2, 1), today=BOARD_DAY)
    assert later.median_days["referred"] == 4
    assert later.median_days["prescreening"] == 30
    assert later.median_days["interview"] == 2
    # The counts are the cases as they are now, whatever the period.
    assert (
        january.counts
        == later.counts
        == {
            "interview": {"US": 1},
            "decision": {"CA": 1},
            "prescreening": {"US": 2},
        }
    )


def test_pipeline_sees_only_the_office_and_the_caseworkers_own(example):
    supervisor, c = example
    other_office = UserFactory(role="supervisor", office_code="KTM")
    caseworker = UserFactory(role="caseworker", office_code="DMK")
    db.session.flush()
    c["C"].assigned_to_id = caseworker.id
    db.session.commit()
    assert service.pipeline(other_office, today=BOARD_DAY).counts == {}
    own = service.pipeline(caseworker, today=BOARD_DAY)
    assert own.counts == {"prescreening": {"US": 1}}
    assert own.median_days["referred"] == 6
    assert service.pipeline(supervisor, today=BOARD_DAY).counts["prescreening"] == {"US": 2}


def test_pipeline_held_and_ended_cases_are_counted_but_do_not_wait(example):
    supervisor, c = example
    cases.transition(supervisor, c["C"], "on_hold", c["C"].version)
    cases.transition(supervisor, c["D"], "withdrawn", c["D"].version)
    for event in db.session.scalars(
        select(CaseEvent).where(CaseEvent.to_status.in_(["on_hold", "withdrawn"]))
    ):
        event.occurred_at = datetime(2025, 3, 10, 9, tzinfo=UTC)
    db.session.commit()
    board = service.pipeline(supervisor, today=BOARD_DAY)
    assert board.counts["on_hold"] == {"US": 1}
    assert board.counts["withdrawn"] == {"US": 1}
    assert "prescreening" not in board.counts
    assert "prescreening" not in board.longest
    # Their prescreening stays ended on 03-10: C 31 days, D 7 days, with A 20 and B 30.
    assert board.median_days["prescreening"] == 25
    assert db.session.get(Case, c["C"].id).pending_from == "prescreening"


def test_pipeline_of_nothing(example):
    supervisor, _c = example
    board = service.pipeline(supervisor, camp="beldangi", destination="AU", today=BOARD_DAY)
    assert board.counts == {}
    assert board.longest == {}
    assert board.destinations == []
    assert all(v is None for v in board.median_days.values())
    assert board.filters == {"camp": "beldangi", "destination": "AU", "start": None, "end": None}


def test_pipeline_today_defaults_to_today(example):
    supervisor, c = example
    board = service.pipeline(supervisor)
    expected = (date.today() - date(2025, 1, 31)).days
    assert _ids(board, "interview") == [(c["A"].id, expected)]
