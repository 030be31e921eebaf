"""One row of a file as registration input: the values the registration form would send.

`RowReader.record(cells)` normalises each mapped cell (casework.domain.import_values) and
returns the record plus the cells that could not be read. Whether the record may be
registered is then decided by the beneficiary service's own validation.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from casework.domain import import_values as values
from casework.extensions import db
from casework.models import Country, District, LocalLevel

_DOCUMENTS = {
    "citizenship_number": ("citizenship", "NP"),
    "passport_number": ("passport", None),
    "national_id_number": ("national_id", "NP"),
    "refugee_id_number": ("refugee_id", None),
}
_SIMPLE_TEXT = ("given_name", "family_name", "name_ne", "address_line")


@dataclass
class Converted:
    record: dict
    problems: dict[str, list[str]] = field(default_factory=dict)  # import field -> messages


class Places:
    """District and local-level matchers over the reference tables (loaded once)."""

    def __init__(self) -> None:
        districts = db.session.execute(select(District.id, District.name_en, District.name_ne))
        self.districts = values.PlaceMatcher(list(districts), values.DISTRICT_ALIASES)
        self._levels: dict[int, values.PlaceMatcher] = {}
        rows = db.session.execute(
            select(LocalLevel.id, LocalLevel.district_id, LocalLevel.name_en, LocalLevel.name_ne)
        )
        self._by_district: dict[int, list] = {}
        for level_id, district_id, name_en, name_ne in rows:
            self._by_district.setdefault(district_id, []).append((level_id, name_en, name_ne))

    def local_level(self, district_id: int, value) -> int | None:
        if district_id not in self._levels:
            self._levels[district_id] = values.PlaceMatcher(self._by_district.get(district_id, []))
        return self._levels[district_id].find(value)


SURVEY_DAY_HEADERS = ("today", "_submission_time", "end", "meta/end")


def survey_day_column(columns: list[dict]) -> int | None:
    """The index of KoBo's day of the interview (metadata), if the file has one."""
    by_header = {c["header"].strip().casefold(): c["index"] for c in columns}
    for header in SURVEY_DAY_HEADERS:
        if header in by_header:
            return by_header[header]
    return None


class RowReader:
    def __init__(self, columns: list[dict], today: date):
        self.today = today
        self.fields = {c["field"]: c["index"] for c in columns if c["field"]}
        self.survey_day = survey_day_column(columns)
        self.places = Places()
        self.countries = {
            name.casefold(): code
            for code, name in db.session.execute(select(Country.code, Country.name))
        }

    def record(self, cells: list) -> Converted:
        raw = {name: cells[i] if i < len(cells) else None for name, i in self.fields.items()}
        out = Converted(record={})
        # An age is read last: a date of birth in the same row wins over it.
        for name, value in sorted(raw.items(), key=lambda item: item[0] == "age"):
            try:
                self._convert(name, value, out.record)
            except values.ValueProblem as problem:
                out.problems.setdefault(name, []).append(str(problem))
        self._place(raw, out)
        self._consent_on_survey_day(cells, out)
        return out

    def _consent_on_survey_day(self, cells: list, out: Converted) -> None:
        """Consent recorded by the survey has the survey's day when no column gives one."""
        if not out.record.get("consent_given") or "consent_date" in self.fields:
            return
        if self.survey_day is not None and self.survey_day < len(cells):
            # An unreadable day leaves the consent date empty: the rules then ask for it.
            with contextlib.suppress(values.ValueProblem):
                day = values.a_date(cells[self.survey_day], self.today, "ad")
                out.record["consent_date"] = day

    def _convert(self, name: str, value, record: dict) -> None:
        if name in _SIMPLE_TEXT:
            record[name] = values.text(value)
        elif name == "full_name":
            words = values.text(value).split(" ")
            record["given_name"] = " ".join(words[:-1]) if len(words) > 1 else words[0]
            record["family_name"] = words[-1] if len(words) > 1 else ""
        elif name == "sex":
            record["sex"] = values.sex(value)
        elif name in ("date_of_birth", "date_of_birth_bs"):
            calendar = "bs" if name == "date_of_birth_bs" else "auto"
            record["date_of_birth"] = values.a_date(value, self.today, calendar)
        elif name == "age":
            if record.get("date_of_birth") is None:  # a date of birth beats an age
                born = values.birth_from_age(value, self.today)
                record.update(date_of_birth=born, dob_estimated=born is not None)
        elif name in ("dob_estimated", "consent_given"):
            record[name] = bool(values.yes_no(value))
        elif name == "consent_date":
            record["consent_date"] = values.a_date(value, self.today)
        elif name in ("consent_purposes", "vulnerabilities"):
            record[name] = values.code_list(value)
        elif name == "nationality":
            record["nationality"] = values.nationality(value, self.countries) or "NP"
        elif name == "phone":
            record["phone"] = values.phone(value)
        elif name in _DOCUMENTS:
            self._document(name, value, record)
        # district, local level and ward are read together (_place)

    def _document(self, name: str, value, record: dict) -> None:
        number = values.text(value)
        if number:
            doc_type, country = _DOCUMENTS[name]
            record.setdefault("documents", []).append(
                {"doc_type": doc_type, "number": number, "issuing_country": country}
            )

    def _place(self, raw: dict, out: Converted) -> None:
        district = values.text(raw.get("district"))
        level = values.text(raw.get("local_level"))
        ward = values.digits(raw.get("ward"))
        district_id = self.places.districts.find(district) if district else None
        if district and district_id is None:
            out.problems.setdefault("district", []).append(
                _("No district called %(name)s.", name=district)
            )
            return
        out.record["district_id"] = district_id
        if level and district_id:
            level_id = self.places.local_level(district_id, level)
            if level_id is None:
                out.problems.setdefault("local_level", []).append(
                    _("No local level called %(name)s in this district.", name=level)
                )
                return
            out.record["local_level_id"] = level_id
        if ward:
            out.record["ward"] = int(ward) if ward.isdigit() else ward
