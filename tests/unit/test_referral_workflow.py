"""The referral table in casework.domain.workflow, checked by check_referral_action.

DESIGN.md (Domain: Referral): draft → pending_approval → approved | rejected → sent →
accepted | declined → completed, and cancelled before sent. The table is written out here
by hand, so that a change of the code's table shows up as a failing test.
"""

from __future__ import annotations

import itertools

import pytest

from casework.domain.workflow import (
    REFERRAL_ACTIONS,
    REFERRAL_STATUSES,
    ActionNotAllowed,
    check_referral_action,
    referral_actions,
)
from casework.errors import ActionConflict

STATUSES = (
    "draft",
    "pending_approval",
    "approved",
    "rejected",
    "sent",
    "accepted",
    "declined",
    "completed",
    "cancelled",
)
ACTIONS = ("submit", "approve", "reject", "send", "accept", "decline", "complete", "cancel")

# (status, action) -> the status it leads to. Everything not listed is forbidden.
EXPECTED = {
    ("draft", "submit"): "pending_approval",
    ("draft", "cancel"): "cancelled",
    ("pending_approval", "approve"): "approved",
    ("pending_approval", "reject"): "rejected",
    ("pending_approval", "cancel"): "cancelled",
    ("approved", "send"): "sent",
    ("approved", "cancel"): "cancelled",
    ("sent", "accept"): "accepted",
    ("sent", "decline"): "declined",
    ("accepted", "complete"): "completed",
}
# The actions each status allows, in the table's order (what a 409 names).
ALLOWED = {
    "draft": ("submit", "cancel"),
    "pending_approval": ("approve", "reject", "cancel"),
    "approved": ("send", "cancel"),
    "rejected": (),
    "sent": ("accept", "decline"),
    "accepted": ("complete",),
    "declined": (),
    "completed": (),
    "cancelled": (),
}
FORBIDDEN = [
    (status, action)
    for status, action in itertools.product(STATUSES, ACTIONS)
    if (status, action) not in EXPECTED
]


def test_the_expectations_are_consistent():
    # Guards the hand-written tables above against each other.
    for status in STATUSES:
        assert set(ALLOWED[status]) == {a for (s, a) in EXPECTED if s == status}
    assert len(FORBIDDEN) == len(STATUSES) * len(ACTIONS) - len(EXPECTED)


def test_statuses_and_actions_are_the_documented_ones():
    assert tuple(REFERRAL_STATUSES) == STATUSES
    assert tuple(REFERRAL_ACTIONS) == ACTIONS
    for status in STATUSES:
        assert str(REFERRAL_STATUSES[status]).strip()


def test_the_table_is_the_documented_one():
    table = {
        (status, action): target
        for action, (sources, target) in REFERRAL_ACTIONS.items()
        for status in sources
    }
    assert table == EXPECTED


@pytest.mark.parametrize(("status", "action"), sorted(EXPECTED))
def test_allowed_action_gives_the_documented_status(status, action):
    assert check_referral_action(status, action) == EXPECTED[(status, action)]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_forbidden_action_names_the_allowed_ones(status, action):
    with pytest.raises(ActionNotAllowed) as refused:
        check_referral_action(status, action)
    assert refused.value.action == action
    assert refused.value.status == status
    assert tuple(refused.value.allowed) == ALLOWED[status]
    assert action in str(refused.value) and status in str(refused.value)


@pytest.mark.parametrize("status", STATUSES)
def test_referral_actions_lists_the_allowed_ones_in_order(status):
    assert referral_actions(status) == ALLOWED[status]


BEFORE_SENT = {"draft", "pending_approval", "approved"}


@pytest.mark.parametrize("status", STATUSES)
def test_cancel_only_before_sent(status):
    if status in BEFORE_SENT:
        assert check_referral_action(status, "cancel") == "cancelled"
        assert "cancel" in referral_actions(status)
    else:
        with pytest.raises(ActionNotAllowed):
            check_referral_action(status, "cancel")
        assert "cancel" not in referral_actions(status)


@pytest.mark.parametrize("status", ["rejected", "declined", "completed", "cancelled"])
def test_final_statuses_allow_nothing(status):
    assert referral_actions(status) == ()
    for action in ACTIONS:
        with pytest.raises(ActionNotAllowed) as refused:
            check_referral_action(status, action)
        assert refused.value.allowed == ()


@pytest.mark.parametrize("action", ["respond", "reopen", "", "SUBMIT"])
def test_unknown_action_is_refused_naming_the_allowed_ones(action):
    with pytest.raises(ActionNotAllowed) as refused:
        check_referral_action("draft", action)
    assert refused.value.allowed == ("submit", "cancel")


def test_unknown_status_allows_nothing():
    assert referral_actions("archived") == ()
    with pytest.raises(ActionNotAllowed) as refused:
        check_referral_action("archived", "cancel")
    assert refused.value.allowed == ()


def test_every_status_is_reachable_from_draft():
    reached, frontier = {"draft"}, ["draft"]
    while frontier:
        status = frontier.pop()
        for action in referral_actions(status):
            target = check_referral_action(status, action)
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(STATUSES)


def test_conflict_error_for_the_api_names_the_allowed_actions():
    """What the service turns a refusal into: a 409 whose `allowed` the API returns."""
    error = ActionConflict("complete", "sent", ("accept", "decline"))
    assert (error.status, error.code) == (409, "action_not_allowed")
    assert error.extra == {"allowed": ["accept", "decline"]}
    assert "complete" in error.message and "sent" in error.message
    assert "accept, decline" in error.message
    nothing = ActionConflict("cancel", "completed", ())
    assert nothing.extra == {"allowed": []}
