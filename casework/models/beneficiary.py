"""Beneficiaries, their households and identity documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db
from casework.models._types import UTCDateTime, utcnow
from casework.models.reference import District, LocalLevel


class Household(db.Model):
    """People registered together; each member records their relationship to the head."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[Beneficiary]] = relationship(
        back_populates="household", order_by="Beneficiary.id"
    )


class Beneficiary(db.Model):
    __tablename__ = "beneficiaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(20), unique=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    name_ne: Mapped[str] = mapped_column(String(200), default="")
    sex: Mapped[str] = mapped_column(String(8))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    dob_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    nationality: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    phone: Mapped[str] = mapped_column(String(20), default="")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    local_level_id: Mapped[int | None] = mapped_column(ForeignKey("local_levels.id"))
    ward: Mapped[int | None] = mapped_column(Integer)
    address_line: Mapped[str] = mapped_column(String(200), default="")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    relationship_to_head: Mapped[str] = mapped_column(String(16), default="head")
    vulnerabilities: Mapped[list] = mapped_column(JSON, default=list)
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_purposes: Mapped[list] = mapped_column(JSON, default=list)
    # Derived from the names by domain.matching, kept for search and duplicate blocking.
    given_key: Mapped[str] = mapped_column(String(100), default="")
    family_key: Mapped[str] = mapped_column(String(100), default="")
    search_text: Mapped[str] = mapped_column(String(400), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # When a retention run removed the person's names, contacts and free text (migration 0010).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The import batch that brought the person in, if any (issue 10, migration 0011).
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)

    district: Mapped[District | None] = relationship()
    local_level: Mapped[LocalLevel | None] = relationship()
    household: Mapped[Household | None] = relationship(back_populates="members")
    documents: Mapped[list[IdentityDocument]] = relationship(
        back_populates="beneficiary", cascade="all, delete-orphan", order_by="IdentityDocument.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_beneficiaries_office_district_sex", "office_code", "district_id", "sex"),
        # The office alone, directly before the row id: SQLite checks the office of each
        # name-search hit in the index, without reading the row.
        Index("ix_beneficiaries_office_code", "office_code"),
        Index("ix_beneficiaries_family_key_given_key", "family_key", "given_key"),
        Index("ix_beneficiaries_given_key", "given_key"),
        Index("ix_beneficiaries_date_of_birth", "date_of_birth"),
        Index("ix_beneficiaries_phone", "phone"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class IdentityDocument(db.Model):
    __tablename__ = "identity_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(40))
    # Upper-case letters and digits only, so "12-34/567" finds "1234567".
    number_key: Mapped[str] = mapped_column(String(40), index=True)
    issuing_country: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))

    beneficiary: Mapped[Beneficiary] = relationship(back_populates="documents")


class RegistrationCounter(db.Model):
    """The last registration number given per office and year (KTM-2026-000123)."""

    __tablename__ = "registration_counters"

    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
