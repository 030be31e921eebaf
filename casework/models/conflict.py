"""Conflict-victim cases: categories, the incident, verification and relief received."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
