"""One case's life as the services would have written it, step by step, up to now.

A `Story` keeps the case's rows and a clock. Each step moves the clock on (to office hours
in Nepal) and stops the story when it would pass now, so old cases have come far and new
ones are at their first steps. Moves are checked as `casework.services.cases.transition`
checks them: the kind's transition table, the kind's entry rules (on a stand-in of the
case built from the rows), a pending status opens an approval that only a supervisor's
decision leaves, a hold keeps where the case was, a final status closes the case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from casework import bulk
from casework.demo import OFFICE_OPENS, OFFICE_SECONDS
from casework.domain import reintegration, workflow
from casework.models import Approval, Case, FollowUp
from casework.services import kinds


@dataclass
class Context:
    """What every story of a load shares."""

    loader: bulk.Loader
    rng: random.Random
    now: datetime
    supervisors: dict[str, list[bulk.Actor]]
    providers: list[dict]
    score_settings: reintegration.ScoreSettings
    response_days: int
    batches: dict = field(default_factory=dict)  # (office, destination, day) -> batch

    @property
    def today(self) -> date:
        return self.now.date()


class Story:
    def __init__(self, ctx: Context, kind: str, case: dict, person: dict, worker: bulk.Actor):
        self.ctx, self.rng, self.loader = ctx, ctx.rng, ctx.loader
        self.kind, self.flow, self.handler = kind, workflow.workflow(kind), kinds.handler(kind)
        self.case, self.person, self.worker = case, person, worker
        self.boss = self.rng.choice(ctx.supervisors[case["office_code"]])
        self.t: datetime = case["opened_at"]
        self.details: dict = {"case_id": case["id"]}
        self.pending: dict | None = None  # the approval the case waits for
        self.rows: list[tuple[type, dict]] = []

    # --- time ----------------------------------------------------------------------

    def later(self, low: int, high: int) -> bool:
        """Move the clock `low`..`high` days on, in office hours; False if that is past now."""
        day = self.t.date() + timedelta(days=self.rng.randint(low, high))
        moment = datetime.combine(day, OFFICE_OPENS, UTC) + timedelta(
            seconds=self.rng.randrange(OFFICE_SECONDS)
        )
        if moment <= self.t:
            moment = self.t + timedelta(minutes=self.rng.randint(5, 90))
        if moment > self.ctx.now:
            return False
        self.t = moment
        return True

    def _tick(self) -> None:
        """A minute or two between the things done in one sitting (never past now)."""
        self.t = min(self.t + timedelta(seconds=self.rng.randint(20, 240)), self.ctx.now)

    @property
    def day(self) -> date:
        return self.t.date()

    # --- history -------------------------------------------------------------------

    def event(self, actor: bulk.Actor, event: str, **line) -> None:
        self.loader.history_at(self.t, self.case["id"], actor, event, **line)
        self._tick()

    def open(self, fields: dict, details: dict) -> None:
        """The case as `cases.open_case` makes it: details row and the "open" line."""
        self.details.update(details)
        self.event(
            self.worker,
            "open",
            to_status=self.case["status"],
            changes={
                **self.handler.loggable(fields),
                "assigned_to": self.worker.username,
                "beneficiary_id": self.person["id"],
            },
        )

    def add(self, model, row: dict) -> dict:
        """A row written when the story ends (it may still change until then)."""
        self.rows.append((model, row))
        return row

    # --- the workflow --------------------------------------------------------------

    @property
    def status(self) -> str:
        return self.case["status"]

    def move(
        self, to_status: str, comment: str = "", *, closure_reason=None, via: str = "case"
    ) -> None:
        """`cases.transition` by the assigned caseworker."""
        case, flow, from_status = self.case, self.flow, self.status
        workflow.check_transition(self.kind, from_status, to_status)
        if from_status == flow.hold and to_status != case["pending_from"]:
            raise workflow.TransitionNotAllowed(self.kind, from_status, to_status, ())
        if to_status == "closure_pending":
            assert closure_reason in reintegration.CLOSURE_REASONS
        self.handler.check_entry(self.stand_in(), to_status, via)
        if to_status == flow.hold:
            case["pending_from"] = from_status
        elif from_status == flow.hold:
            case["pending_from"] = None
        if to_status in flow.final:
            case["closed_at"] = self.t
        if to_status in flow.pending:
            case["pending_from"] = from_status
            if to_status == "closure_pending":
                case["closure_reason"] = closure_reason
            self.request(flow.pending[to_status].approval_type, case["id"], comment)
        self._set_status(to_status)
        changes = {"closure_reason": closure_reason} if to_status == "closure_pending" else None
        self.event(
            self.worker,
            "transition",
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            changes=changes,
        )

    def _set_status(self, status: str) -> None:
        self.case.update(status=status, updated_at=self.t, version=self.case["version"] + 1)

    def request(self, approval_type: str, subject_id: int, comment: str) -> dict:
        """An item in the supervisors' queue, asked for by the caseworker now."""
        self.pending = self.add(
            Approval,
            {
                "approval_type": approval_type,
                "office_code": self.case["office_code"],
                "case_id": self.case["id"],
                "subject_id": subject_id,
                "requested_by_id": self.worker.id,
                "requested_at": self.t,
                "request_comment": comment,
                "status": "pending",
                "decision_comment": "",
            },
        )
        return self.pending

    def decide(self, approve: bool, comment: str) -> None:
        """A supervisor's decision on the pending status (`approvals._decide_status`)."""
        pending = self.flow.pending[self.status]
        from_status = self.status
        if approve:
            to_status = pending.on_approve
            if pending.approval_type == "reintegration_plan":
                self.details["approved_budget_npr"] = self.planned_budget()
            if to_status in self.flow.final:
                self.case["closed_at"] = self.t
        else:
            to_status = self.case["pending_from"]
            if pending.approval_type == "case_closure":
                self.case["closure_reason"] = None
        self.case["pending_from"] = None
        self._set_status(to_status)
        self.decided(self.pending, approve, comment)
        self.event(
            self.boss,
            "approve" if approve else "reject",
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            changes={"approval": pending.approval_type},
        )

    def planned_budget(self) -> int:
        return 0

    def decided(self, approval: dict, approve: bool, comment: str) -> None:
        approval.update(
            status="approved" if approve else "rejected",
            decided_by_id=self.boss.id,
            decided_at=self.t,
            decision_comment=comment,
        )

    def close(self, reason: str, comment: str, approval_comment: str) -> None:
        """Ask to close, and close once a supervisor agrees (if that is before now)."""
        self.move("closure_pending", comment, closure_reason=reason)
        if self.later(1, 10):
            self.decide(True, approval_comment)

    # --- follow-ups ----------------------------------------------------------------

    def follow_up(self, title: str, due: date, *, automatic: bool = False) -> dict:
        """`cases.add_follow_up`: automatic ones are the system's (no actor)."""
        actor = bulk.SYSTEM if automatic else self.worker
        row = self.add(
            FollowUp,
            {
                "case_id": self.case["id"],
                "title": title,
                "due_date": due,
                "created_by_id": actor.id,
                "automatic": automatic,
                "created_at": self.t,
            },
        )
        self.event(actor, "follow_up", changes={"title": title, "due_date": due})
        return row

    def done(self, follow_up: dict | None) -> None:
        """Mark a follow-up done now (if it is still open): no history line of its own here."""
        if follow_up is not None and follow_up.get("done_at") is None:
            follow_up.update(done_at=self.t, done_by_id=self.worker.id)

    # --- the end -------------------------------------------------------------------

    details_model: type  # each kind's story names its details table

    def stand_in(self):
        """The case as the kind's entry rules read it (attributes instead of ORM rows)."""
        details = self.details_stand_in()
        return SimpleNamespace(status=self.status, **{self.handler.details_attr: details})

    def details_stand_in(self):
        return SimpleNamespace(**self.details)

    def finish(self) -> None:
        self.loader.add(Case, self.case)
        self.loader.add(self.details_model, self.details)
        for model, row in self.rows:
            self.loader.add(model, row)
