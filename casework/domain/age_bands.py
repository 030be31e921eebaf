"""UNHCR age bands (0–4, 5–11, 12–17, 18–59, 60+, unknown), computed on a given day.

Reports compute a person's band at the end of the report's period, so a report for a past
year shows people as they were then. `cutoffs()` turns the bands into dates of birth, so a
database can band millions of rows with plain comparisons (no date arithmetic in SQL).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

UNKNOWN = "unknown"
# (lowest age in the band, code), youngest first; each band runs to the next one's start.
BANDS: tuple[tuple[int, str], ...] = (
    (0, "0-4"),
    (5, "5-11"),
    (12, "12-17"),
    (18, "18-59"),
    (60, "60+"),
)
CODES = tuple(code for _, code in BANDS) + (UNKNOWN,)
LABELS = {
    "0-4": _l("0–4 years"),
    "5-11": _l("5–11 years"),
    "12-17": _l("12–17 years"),
    "18-59": _l("18–59 years"),
    "60+": _l("60 years and over"),
    UNKNOWN: _l("Age unknown"),
}


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years on `day` (someone born on 29 February is a year older on 1 March)."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def band_of(date_of_birth: date | None, day: date) -> str:
    if date_of_birth is None:
        return UNKNOWN
    age = age_on(date_of_birth, day)
    code = BANDS[0][1]
    for lowest, band in BANDS:
        if age >= lowest:
            code = band
    return code


def latest_birth_for_age(age: int, day: date) -> date:
    """The latest date of birth of someone at least `age` years old on `day`."""
    try:
        return day.replace(year=day.year - age)
    except ValueError:  # 29 February in a year that has none: born on the 28th is enough
        return day.replace(year=day.year - age, day=28)


def cutoffs(day: date) -> list[tuple[str, date]]:
    """(band, latest date of birth for it) from the oldest band down, the youngest left out:
    a person belongs to the first band whose date they were born on or before, else 0–4."""
    return [(code, latest_birth_for_age(lowest, day)) for lowest, code in reversed(BANDS[1:])]
