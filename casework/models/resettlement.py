"""Resettlement: family cases, their stages, and departure batches (flight manifests)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from casework.extensions import db
from casework.models._types import UTCDateTime, utcnow
from casework.models.beneficiary import Beneficiary
from casework.models.case import Case


class ResettlementDetails(db.Model):
    __tablename__ = "resettlement_details"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    unhcr_case_number: Mapped[str] = mapped_column(String(32), unique=True)
    camp: Mapped[str] = mapped_column(String(16))
    hut_address: Mapped[str] = mapped_column(String(60), default="")
    destination_country: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    programme: Mapped[str] = mapped_column(String(32), default="")
    special_needs: Mapped[list] = mapped_column(JSON, default=list)

    members: Mapped[list[CaseMember]] = relationship(
        cascade="all, delete-orphan", order_by="CaseMember.beneficiary_id"
    )
    stages: Mapped[list[StageRecord]] = relationship(
        cascade="all, delete-orphan", order_by="StageRecord.id"
    )

    def record(self, stage: str) -> StageRecord | None:
        return next((r for r in self.stages if r.stage == stage), None)


class CaseMember(db.Model):
    """A family member on a resettlement case (the principal is the case's beneficiary)."""

    __tablename__ = "case_members"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("resettlement_details.case_id"), primary_key=True
    )
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), primary_key=True)
    relationship_to_principal: Mapped[str] = mapped_column(String(24))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    beneficiary: Mapped[Beneficiary] = relationship()


class StageRecord(db.Model):
    """What a stage recorded: its date, outcome and details (per member where it applies)."""

    __tablename__ = "stage_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("resettlement_details.case_id"), index=True)
    stage: Mapped[str] = mapped_column(String(32))
    recorded_on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "stage"),)


class DepartureBatch(db.Model):
    """A flight manifest: the cases that leave together, all or none."""

    __tablename__ = "departure_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    departure_date: Mapped[date] = mapped_column(Date)
    flight: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(60), default="Kathmandu (KTM)")
    destination: Mapped[str] = mapped_column(String(60), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    cases: Mapped[list[Case]] = relationship(secondary="batch_cases", order_by="Case.id")
    # How many cases fly, where a list of batches asks for it (services.resettlement.batches):
    # counted with the list, not by loading each batch's cases.
    case_count: Mapped[int | None] = query_expression()


class BatchCase(db.Model):
    __tablename__ = "batch_cases"

    batch_id: Mapped[int] = mapped_column(ForeignKey("departure_batches.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, index=True)
