"""Loading and reading reference data (Nepal's divisions, countries, offices).

Names for people to read are in the script of the interface: a province, district or local
level by its `name_ne` when the interface speaks Nepali, its `name_en` otherwise; a country
by CLDR's name in the interface language (Babel's locale data, no extra dependency), or the
ISO name of the Country table where CLDR has none (and always in English). Lists for forms
are sorted by the name shown, in Python: the same order on SQLite and PostgreSQL whatever
their collation; Devanagari's code points follow the order of its alphabet closely enough
for a reader to find a name. The API keeps both names and its own order (by `name_en`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
from flask_babel import get_locale
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


def _interface_locale():
    return get_locale()  # Flask-Babel's: honours force_locale (reports made in Nepali)


def shown_name(place: Province | District | LocalLevel | None) -> str:
    """A division's name in the script of the interface ("—" for none)."""
    if place is None:
        return "—"
    locale = _interface_locale()
    if locale is not None and locale.language == "ne" and place.name_ne:
        return place.name_ne
    return place.name_en


def country_shown_name(code: str, iso_name: str | None = None) -> str:
    """A country's name in the interface language; the ISO name (English) where CLDR has
    none for that language, or the code itself for an unknown one."""
    locale = _interface_locale()
    if locale is not None and locale.language != "en":
        translated = locale.territories.get(code)
        if translated:
            return translated
    return iso_name or code


def _sorted_choices(pairs) -> list[tuple]:
    return sorted(pairs, key=lambda pair: (pair[1].casefold(), pair[0]))


def district_choices() -> list[tuple[int, str]]:
    """(id, shown name) of every district, for selects."""
    return _sorted_choices((d.id, shown_name(d)) for d in districts())


def local_level_choices(district_id: int | None) -> list[tuple[int, str]]:
    """(id, shown name) of a district's local levels, for selects; none without a district."""
    if not district_id:
        return []
    return _sorted_choices((lv.id, shown_name(lv)) for lv in local_levels(district_id))


def local_levels_shown(district_id: int) -> list[tuple[LocalLevel, str]]:
    """A district's local levels with their shown names, sorted by them (the look-up JSON)."""
    named = [(lv, shown_name(lv)) for lv in local_levels(district_id)]
    return sorted(named, key=lambda pair: (pair[1].casefold(), pair[0].id))


def country_choices() -> list[tuple[str, str]]:
    """(code, shown name) of every country, for selects."""
    return _sorted_choices((c.code, country_shown_name(c.code, c.name)) for c in countries())
