"""Service providers, referrals to them, and the record of personal data sent to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models._types import UTCDateTime, utcnow
from casework.models.case import Case
from casework.models.user import User


class Provider(db.Model):
    """An organisation people are referred to; admins keep the directory."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    contact: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    services: Mapped[list[ProviderService]] = relationship(
        cascade="all, delete-orphan", order_by="ProviderService.service"
    )
    districts: Mapped[list[ProviderDistrict]] = relationship(
        cascade="all, delete-orphan", order_by="ProviderDistrict.district_id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def service_codes(self) -> list[str]:
        return [s.service for s in self.services]

    @property
    def district_ids(self) -> list[int]:
        return [d.district_id for d in self.districts]


class ProviderService(db.Model):
    __tablename__ = "provider_services"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    service: Mapped[str] = mapped_column(String(24), primary_key=True)

    __table_args__ = (Index("ix_provider_services_service", "service"),)


class ProviderDistrict(db.Model):
    __tablename__ = "provider_districts"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), primary_key=True)

    __table_args__ = (Index("ix_provider_districts_district_id", "district_id"),)


class Referral(db.Model):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    service: Mapped[str] = mapped_column(String(24))
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    reason: Mapped[str] = mapped_column(Text)
    consent_obtained: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24), default="draft")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship()
    provider: Mapped[Provider] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_referrals_office_status", "office_code", "status"),)


class DataTransfer(db.Model):
    """Personal data sent to a third party: who sent what, to whom, when, on which consent."""

    __tablename__ = "data_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fields: Mapped[list] = mapped_column(JSON)  # names of the fields on the slip
    consent: Mapped[dict] = mapped_column(JSON)  # the consent on record at the time

    provider: Mapped[Provider] = relationship()
    sent_by: Mapped[User] = relationship()
