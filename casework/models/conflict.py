"""Conflict-victim cases: categories, the incident, verification and relief received."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from casework.extensions import db


class ConflictDetails(db.Model):
    __tablename__ = "conflict_details"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    victim_categories: Mapped[list] = mapped_column(JSON)
    # Torture or sexual violence: only the assigned caseworker and the office's supervisors
    # may know. Kept as a column so that lists and queries can filter on it.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_date: Mapped[date] = mapped_column(Date)
    incident_district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    disability_percent: Mapped[int | None] = mapped_column(Integer)
    taskforce_reference: Mapped[str] = mapped_column(String(60), default="")
    ward_recommendation: Mapped[bool] = mapped_column(Boolean, default=False)
    documents_seen: Mapped[str] = mapped_column(Text, default="")
    relief_received: Mapped[str] = mapped_column(Text, default="")

    # One row per category, kept in step with `victim_categories`: reports count cases by
    # category with a plain join on every database (no JSON functions).
    category_rows: Mapped[list[ConflictCategory]] = relationship(
        cascade="all, delete-orphan", order_by="ConflictCategory.category"
    )

    @validates("victim_categories")
    def _sync_category_rows(self, key: str, categories: list) -> list:
        wanted = set(categories or [])
        # Keep the rows that stay (a delete and re-insert of one key in a flush would clash).
        self.category_rows = [row for row in self.category_rows if row.category in wanted]
        have = {row.category for row in self.category_rows}
        self.category_rows.extend(ConflictCategory(category=c) for c in sorted(wanted - have))
        return categories


class ConflictCategory(db.Model):
    """A victim category of a conflict-victim case (a copy of one list entry, for reports)."""

    __tablename__ = "conflict_categories"

    case_id: Mapped[int] = mapped_column(ForeignKey("conflict_details.case_id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)

    __table_args__ = (Index("ix_conflict_categories_category", "category"),)
