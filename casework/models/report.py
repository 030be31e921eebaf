"""Report definitions that users save, to download them again for another period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import db
from casework.models._types import UTCDateTime, utcnow


class SavedReport(db.Model):
    """A named report definition (subject, dimensions, filters), private to its owner.

    The period is part of the definition but may be replaced when the report is run again.
    """

    __tablename__ = "saved_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
