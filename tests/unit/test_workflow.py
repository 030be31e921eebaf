"""The return-and-reintegration transition table, checked by casework.domain.workflow."""

from __future__ import annotations

import itertools

import pytest

from casework.domain import workflow
from casework.domain.workflow import (
    RETURN_REINTEGRATION,
    TransitionNotAllowed,
    check_transition,
    is_open,
    is_pending,
)

KIND = "return_reintegration"

# The table as DESIGN.md and issue 3 describe it, written out by hand so that a change of
# the code's table shows up here.
EXPECTED = {
    "registered": ("assessment", "closure_pending"),
    "assessment": ("plan_pending", "closure_pending"),
    "plan_pending": ("assistance", "assessment"),
    "assistance": ("monitoring", "closure_pending"),
    "monitoring": ("assistance", "closure_pending"),
    "closure_pending": ("closed", "registered", "assessment", "assistance", "monitoring"),
    "closed": (),
}
STATUSES = (
    "registered",
    "assessment",
    "plan_pending",
    "assistance",
    "monitoring",
    "closure_pending",
    "closed",
)
ALLOWED = [(f, t) for f, targets in EXPECTED.items() for t in targets]
FORBIDDEN = [(f, t) for f, t in itertools.product(STATUSES, STATUSES) if t not in EXPECTED[f]]


def test_statuses_in_workflow_order():
    assert RETURN_REINTEGRATION.statuses == STATUSES
    assert RETURN_REINTEGRATION.initial == "registered"
    assert RETURN_REINTEGRATION.code == "RR"


def test_every_status_has_a_label():
    # Other kinds add their statuses to the same label table.
    assert set(STATUSES) <= set(workflow.STATUSES)
    assert KIND in workflow.KINDS
    assert workflow.workflow(KIND) is RETURN_REINTEGRATION


def test_the_table_is_the_documented_one():
    assert RETURN_REINTEGRATION.transitions == EXPECTED
    for status, targets in EXPECTED.items():
        assert RETURN_REINTEGRATION.allowed(status) == targets


def test_unknown_status_allows_nothing():
    assert RETURN_REINTEGRATION.allowed("bogus") == ()
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(KIND, "bogus", "assessment")
    assert refused.value.allowed == ()


@pytest.mark.parametrize(
    ("from_status", "to_status"), ALLOWED, ids=[f"{f}->{t}" for f, t in ALLOWED]
)
def test_allowed_transition_is_accepted(from_status, to_status):
    assert check_transition(KIND, from_status, to_status) is None


@pytest.mark.parametrize(
    ("from_status", "to_status"), FORBIDDEN, ids=[f"{f}->{t}" for f, t in FORBIDDEN]
)
def test_forbidden_transition_is_refused_naming_the_allowed(from_status, to_status):
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(KIND, from_status, to_status)
    error = refused.value
    assert error.kind == KIND
    assert error.from_status == from_status
    assert error.to_status == to_status
    assert error.allowed == EXPECTED[from_status]
    assert f"{from_status} -> {to_status}" in str(error)


def test_forbidden_pairs_cover_every_pair_outside_the_table():
    # 7 statuses: 49 pairs, 15 allowed (a status never moves to itself).
    assert len(ALLOWED) == 15
    assert len(FORBIDDEN) == 49 - 15
    assert all((s, s) in FORBIDDEN for s in STATUSES)


def test_unknown_target_is_refused():
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(KIND, "registered", "archived")
    assert refused.value.allowed == ("assessment", "closure_pending")


def test_unknown_kind_is_a_key_error():
    with pytest.raises(KeyError):
        check_transition("not_a_kind", "registered", "assessment")


def test_pending_statuses_and_their_decisions():
    pending = RETURN_REINTEGRATION.pending
    assert set(pending) == {"plan_pending", "closure_pending"}
    assert pending["plan_pending"].approval_type == "reintegration_plan"
    assert pending["plan_pending"].on_approve == "assistance"
    assert pending["closure_pending"].approval_type == "case_closure"
    assert pending["closure_pending"].on_approve == "closed"


@pytest.mark.parametrize("status", STATUSES)
def test_is_pending(status):
    assert is_pending(KIND, status) is (status in ("plan_pending", "closure_pending"))


@pytest.mark.parametrize("status", STATUSES)
def test_only_closed_is_final(status):
    assert is_open(KIND, status) is (status != "closed")


def test_a_pending_status_can_be_approved_and_rejected_by_the_table():
    """Approval moves on to on_approve; rejection goes back to wherever the case came from."""
    flow = RETURN_REINTEGRATION
    for pending_status, pending in flow.pending.items():
        assert pending.on_approve in flow.allowed(pending_status)
        came_from = [s for s in STATUSES if pending_status in flow.allowed(s)]
        assert came_from, pending_status
        for origin in came_from:
            assert origin in flow.allowed(pending_status), (pending_status, origin)


def test_closed_is_reached_only_through_the_closure_approval():
    sources = [s for s in STATUSES if "closed" in EXPECTED[s]]
    assert sources == ["closure_pending"]
