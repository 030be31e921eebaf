"""Reference data: Nepal's administrative divisions, countries and offices.

Province, district and local-level ids are the ids of `casework/data/nepal/*.csv` (a copy
of the shared reference data), so a district id means the same thing everywhere.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.extensions import db


class Province(db.Model):
    __tablename__ = "provinces"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name_en: Mapped[str] = mapped_column(String(80))
    name_ne: Mapped[str] = mapped_column(String(80))
    headquarters: Mapped[str] = mapped_column(String(80))


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_ne: Mapped[str] = mapped_column(String(80))

    province: Mapped[Province] = relationship(lazy="joined")


class LocalLevel(db.Model):
    __tablename__ = "local_levels"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    category: Mapped[str] = mapped_column(String(3))  # MC, SMC, M, RM
    name_en: Mapped[str] = mapped_column(String(120))
    name_ne: Mapped[str] = mapped_column(String(120))
    wards: Mapped[int]


class Country(db.Model):
    """ISO 3166-1 countries, loaded from pycountry by `flask casework init`."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Office(db.Model):
    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
