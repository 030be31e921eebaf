"""Cases and what is recorded on them: history, notes, follow-ups, approvals.

A case's status changes only through casework.services.cases (the workflow check).
Kind-specific data lives in its own table (ReturnDetails for return_reintegration).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.domain import follow_ups
from casework.extensions import db
from casework.models._types import UTCDateTime, utcnow
from casework.models.beneficiary import Beneficiary
from casework.models.user import User


class Case(db.Model):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    # The status a case was in before entering a *_pending status (where rejection returns).
    pending_from: Mapped[str | None] = mapped_column(String(32))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    assigned_to_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closure_reason: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    beneficiary: Mapped[Beneficiary] = relationship()
    assigned_to: Mapped[User] = relationship(foreign_keys=[assigned_to_id])
    return_details: Mapped[ReturnDetails | None] = relationship(
        back_populates="case", cascade="all, delete-orphan", uselist=False
    )
    conflict_details: Mapped[ConflictDetails | None] = relationship(  # noqa: F821
        cascade="all, delete-orphan", uselist=False
    )
    resettlement_details: Mapped[ResettlementDetails | None] = relationship(  # noqa: F821
        cascade="all, delete-orphan", uselist=False
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_office_status", "office_code", "status"),
        Index("ix_cases_assigned_to_status", "assigned_to_id", "status"),
        Index("ix_cases_kind_status", "kind", "status"),
        # Reports and dashboards: the cases of a kind opened in a period, and whose they are
        # (counting people reads the index alone, not a million case rows).
        Index("ix_cases_kind_opened_at", "kind", "opened_at", "beneficiary_id"),
        # My work: the open cases of one person (as the scope asks: of their office too), or
        # of an office, by status and in id order. Partial (open cases only): a caseworker's
        # 600 open cases, not their office's 70,000 of all time (migrations 0012, 0015).
        Index(
            "ix_cases_open_assigned",
            "assigned_to_id",
            "office_code",
            "status",
            "id",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index(
            "ix_cases_open_office",
            "office_code",
            "status",
            "id",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )


class CaseCounter(db.Model):
    """The last case number given per office, kind and year (KTM-RR-2026-00042)."""

    __tablename__ = "case_counters"

    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    kind_code: Mapped[str] = mapped_column(String(4), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class CaseEvent(db.Model):
    """One line of a case's history: a transition, an edit, an assignment, a note…"""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


class CaseNote(db.Model):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class FollowUp(db.Model):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship()

    @property
    def shown_title(self) -> str:
        return follow_ups.shown_title(self.title)

    __table_args__ = (
        Index("ix_follow_ups_due_date_done_at", "due_date", "done_at"),
        # My work: the open follow-ups of a person's open cases, found from the cases (the
        # index by due date led to every follow-up ever due, done or not).
        Index(
            "ix_follow_ups_open_case_due",
            "case_id",
            "due_date",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
    )


class Approval(db.Model):
    """An item in the supervisors' queue: a plan, a closure, a budget overrun, a referral."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_type: Mapped[str] = mapped_column(String(32))
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    subject_id: Mapped[int] = mapped_column(Integer)  # the case, plan item or referral decided
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        Index("ix_approvals_office_status", "office_code", "status"),
        # What a caseworker waits for (my work, their dashboard): it read every approval.
        Index("ix_approvals_requested_by_status", "requested_by_id", "status"),
    )


class ReturnDetails(db.Model):
    """Return and reintegration: the return itself and help given on arrival."""

    __tablename__ = "return_details"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    host_country: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    return_date: Mapped[date] = mapped_column(Date)
    return_reason: Mapped[str] = mapped_column(String(32))
    arrival_help: Mapped[list] = mapped_column(JSON, default=list)
    plan_goals: Mapped[str] = mapped_column(Text, default="")
    # The budget a supervisor approved with the plan, plus approved overruns (NPR).
    approved_budget_npr: Mapped[int] = mapped_column(Integer, default=0)

    case: Mapped[Case] = relationship(back_populates="return_details")
    plan_items: Mapped[list[PlanItem]] = relationship(
        cascade="all, delete-orphan", order_by="PlanItem.id"
    )
    deliveries: Mapped[list[AssistanceDelivery]] = relationship(
        cascade="all, delete-orphan", order_by="AssistanceDelivery.delivered_on"
    )
    visits: Mapped[list[MonitoringVisit]] = relationship(
        cascade="all, delete-orphan", order_by="MonitoringVisit.visit_date"
    )


class PlanItem(db.Model):
    """Planned assistance in the reintegration plan, with its budget in NPR."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_details.case_id"), index=True)
    assistance_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(300), default="")
    budget_npr: Mapped[int] = mapped_column(Integer)


class AssistanceDelivery(db.Model):
    """Assistance delivered. An overrun of the approved budget waits for a supervisor."""

    __tablename__ = "assistance_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_details.case_id"), index=True)
    assistance_type: Mapped[str] = mapped_column(String(32))
    amount_npr: Mapped[int] = mapped_column(Integer)
    delivered_on: Mapped[date] = mapped_column(Date)
    delivered_by: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    # "recorded" counts towards the total; "pending" and "rejected" overruns do not.
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitoringVisit(db.Model):
    __tablename__ = "monitoring_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("return_details.case_id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date)
    economic: Mapped[float] = mapped_column(Float)
    social: Mapped[float] = mapped_column(Float)
    psychosocial: Mapped[float] = mapped_column(Float)
    # Computed with the weights in force on the day of the visit, and kept.
    composite: Mapped[float] = mapped_column(Float)
    sustainable: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Setting(db.Model):
    """Programme settings that admins change (weights, thresholds)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
