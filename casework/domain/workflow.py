"""Case workflows as data: one transition table per kind, checked by one function.

A transition into a `*_pending` status asks a supervisor: it opens an approval, and only
the approval decision (approve: on to `on_approve`; reject: back to where the case was)
leaves that status. Later kinds add their tables here; the checking code does not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from casework.domain import resettlement


@dataclass(frozen=True)
class Pending:
    """A status that waits for a supervisor's decision."""

    approval_type: str
    on_approve: str


@dataclass(frozen=True)
class Workflow:
    kind: str
    code: str  # in case numbers: KTM-RR-2026-00042
    initial: str
    transitions: dict[str, tuple[str, ...]]
    pending: dict[str, Pending] = field(default_factory=dict)
    final: frozenset[str] = frozenset()
    # A status that keeps where the case was (Case.pending_from) and resumes only there.
    hold: str | None = None

    def allowed(self, status: str) -> tuple[str, ...]:
        return self.transitions.get(status, ())

    @property
    def statuses(self) -> tuple[str, ...]:
        seen = dict.fromkeys([self.initial, *self.transitions])
        for targets in self.transitions.values():
            seen.update(dict.fromkeys(targets))
        return tuple(seen)


class TransitionNotAllowed(Exception):
    def __init__(self, kind: str, from_status: str, to_status: str, allowed: tuple[str, ...]):
        self.kind, self.from_status, self.to_status, self.allowed = (
            kind,
            from_status,
            to_status,
            allowed,
        )
        super().__init__(f"{kind}: {from_status} -> {to_status} is not allowed")


RETURN_REINTEGRATION = Workflow(
    kind="return_reintegration",
    code="RR",
    initial="registered",
    transitions={
        "registered": ("assessment", "closure_pending"),
        "assessment": ("plan_pending", "closure_pending"),
        # Leaving a pending status is the approval's decision (see casework.services.approvals).
        "plan_pending": ("assistance", "assessment"),
        "assistance": ("monitoring", "closure_pending"),
        "monitoring": ("assistance", "closure_pending"),
        "closure_pending": ("closed", "registered", "assessment", "assistance", "monitoring"),
        "closed": (),
    },
    pending={
        "plan_pending": Pending("reintegration_plan", on_approve="assistance"),
        "closure_pending": Pending("case_closure", on_approve="closed"),
    },
    final=frozenset({"closed"}),
)

CONFLICT_VICTIM = Workflow(
    kind="conflict_victim",
    code="CV",
    initial="registered",
    transitions={
        "registered": ("verification", "closure_pending"),
        "verification": ("active", "closure_pending"),
        "active": ("closure_pending",),
        "closure_pending": ("closed", "registered", "verification", "active"),
        "closed": (),
    },
    pending={"closure_pending": Pending("case_closure", on_approve="closed")},
    final=frozenset({"closed"}),
)

RESETTLEMENT = Workflow(
    kind="resettlement",
    code="RS",
    initial="referred",
    transitions=resettlement.transitions(),
    final=frozenset({"arrived", "rejected", "withdrawn"}),
    hold="on_hold",
)

WORKFLOWS: dict[str, Workflow] = {
    wf.kind: wf for wf in (RETURN_REINTEGRATION, CONFLICT_VICTIM, RESETTLEMENT)
}

KINDS = {
    "return_reintegration": _l("Return and reintegration"),
    "conflict_victim": _l("Conflict victim"),
    "resettlement": _l("Resettlement"),
}

STATUSES = {
    "registered": _l("Registered"),
    "assessment": _l("Assessment"),
    "plan_pending": _l("Plan awaiting approval"),
    "assistance": _l("Assistance"),
    "monitoring": _l("Monitoring"),
    "closure_pending": _l("Closure awaiting approval"),
    "closed": _l("Closed"),
    "verification": _l("Verification"),
    "active": _l("Active"),
    "referred": _l("Referred by UNHCR"),
    "prescreening": _l("Prescreening"),
    "interview": _l("Interview"),
    "decision": _l("Decision"),
    "health_assessment": _l("Health assessment"),
    "cultural_orientation": _l("Cultural orientation"),
    "exit_permit": _l("Exit permit"),
    "travel_booked": _l("Travel booked"),
    "departed": _l("Departed"),
    "arrived": _l("Arrived"),
    "on_hold": _l("On hold"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}


def workflow(kind: str) -> Workflow:
    return WORKFLOWS[kind]


def check_transition(kind: str, from_status: str, to_status: str) -> None:
    """Raise TransitionNotAllowed (naming the allowed targets) unless the move is in the table."""
    allowed = workflow(kind).allowed(from_status)
    if to_status not in allowed:
        raise TransitionNotAllowed(kind, from_status, to_status, allowed)


def is_pending(kind: str, status: str) -> bool:
    return status in workflow(kind).pending


def is_open(kind: str, status: str) -> bool:
    return status not in workflow(kind).final


# --- referrals ---------------------------------------------------------------------------
# A referral's workflow is a table of actions: each names the statuses it may start from and
# the status it leads to. `cancel` is possible until the referral is sent.

REFERRAL_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "pending_approval"),
    "approve": (("pending_approval",), "approved"),
    "reject": (("pending_approval",), "rejected"),
    "send": (("approved",), "sent"),
    "accept": (("sent",), "accepted"),
    "decline": (("sent",), "declined"),
    "complete": (("accepted",), "completed"),
    "cancel": (("draft", "pending_approval", "approved"), "cancelled"),
}

REFERRAL_STATUSES = {
    "draft": _l("Draft"),
    "pending_approval": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "sent": _l("Sent"),
    "accepted": _l("Accepted by the provider"),
    "declined": _l("Declined by the provider"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}


class ActionNotAllowed(Exception):
    def __init__(self, action: str, status: str, allowed: tuple[str, ...]):
        self.action, self.status, self.allowed = action, status, allowed
        super().__init__(f"referral: {action} is not allowed from {status}")


def referral_actions(status: str) -> tuple[str, ...]:
    """The actions a referral in `status` allows, in table order."""
    return tuple(name for name, (sources, _) in REFERRAL_ACTIONS.items() if status in sources)


def check_referral_action(status: str, action: str) -> str:
    """The status `action` leads to from `status`; ActionNotAllowed names the allowed ones."""
    sources, target = REFERRAL_ACTIONS.get(action, ((), ""))
    if status not in sources:
        raise ActionNotAllowed(action, status, referral_actions(status))
    return target
