"""Loading and reading reference data (Nepal's divisions, countries, offices)."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
from sqlalchemy import select

from casework import audit
from casework.domain.codes import OFFICE_DISTRICTS, OFFICES
from casework.extensions import db
from casework.models import Country, District, LocalLevel, Office, Province

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "nepal"

_FILES = [
    (Province, "provinces.csv", {"id": int}),
    (District, "districts.csv", {"id": int, "province_id": int}),
    (LocalLevel, "local_levels.csv", {"id": int, "district_id": int, "wards": int}),
]


def _read_csv(name: str, types: dict) -> list[dict]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return [
            {key: types.get(key, str)(value) for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _upsert(model, rows: list[dict], key: str = "id") -> int:
    """Insert missing rows and correct changed ones; returns how many were written."""
    existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
    written = 0
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            db.session.add(model(**row))
            written += 1
        elif any(getattr(obj, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(obj, k, v)
            written += 1
    db.session.flush()
    return written


def load_reference_data() -> dict[str, int]:
    """Load or refresh every reference table; safe to run again (writes only changes)."""
    counts = {}
    for model, filename, types in _FILES:
        counts[model.__tablename__] = _upsert(model, _read_csv(filename, types))
    countries = [{"code": c.alpha_2, "name": c.name} for c in pycountry.countries]
    counts["countries"] = _upsert(Country, countries, key="code")
    offices = [
        {"code": code, "name": name, "district_id": OFFICE_DISTRICTS[code]}
        for code, name in OFFICES.items()
    ]
    counts["offices"] = _upsert(Office, offices, key="code")
    if any(counts.values()):
        audit.record("reference.load", object_type="reference", changes=counts, username="cli")
    return counts


def districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.name_en)))


def local_levels(district_id: int) -> list[LocalLevel]:
    return list(
        db.session.scalars(
            select(LocalLevel)
            .where(LocalLevel.district_id == district_id)
            .order_by(LocalLevel.name_en)
        )
    )


def countries() -> list[Country]:
    return list(db.session.scalars(select(Country).order_by(Country.name)))


def offices() -> list[Office]:
    return list(db.session.scalars(select(Office).order_by(Office.code)))
