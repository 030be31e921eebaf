"""Bikram Sambat (BS) dates: conversion, parsing, display, and Devanagari digits.

Dates are stored in AD (Gregorian) everywhere; BS is a way of reading and writing them.
The conversion is nepali-datetime's (maintained by opensource-nepal, it carries the
official month lengths), which covers BS 1975-2100 (AD 1918-04-13 to 2044-04-12). A date
outside that range cannot be shown in BS: `to_bs` raises `CalendarRangeError`, whose
message says the range, and display falls back to AD (see `format_date`).

A BS date in text is `YYYY-MM-DD` (also `/` or `.` between the parts), in Latin or
Devanagari digits: "2081-01-01", "२०८१-०१-०१" and "2081/1/1" are 1 Baishakh 2081.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

import nepali_datetime
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

CALENDARS = ("ad", "bs", "both")
DIGITS = ("latin", "devanagari")

FIRST_AD = nepali_datetime.date(nepali_datetime.MINYEAR, 1, 1).to_datetime_date()
LAST_AD = nepali_datetime.date(
    nepali_datetime.MAXYEAR, 12, nepali_datetime._days_in_month(nepali_datetime.MAXYEAR, 12)
).to_datetime_date()

_TO_DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
_TO_LATIN = str.maketrans("०१२३४५६७८९", "0123456789")
# A date written YYYY-MM-DD (or with / or .), in either calendar: BS here, AD in forms.
DATE_TEXT = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")

# The months in the order of the BS year (Baishakh starts mid-April), in both scripts.
MONTHS_EN = (
    "Baishakh",
    "Jestha",
    "Asar",
    "Shrawan",
    "Bhadra",
    "Asoj",
    "Kartik",
    "Mangsir",
    "Poush",
    "Magh",
    "Falgun",
    "Chaitra",
)
MONTHS_NE = (
    "बैशाख",
    "जेठ",
    "असार",
    "साउन",
    "भदौ",
    "असोज",
    "कात्तिक",
    "मंसिर",
    "पुस",
    "माघ",
    "फागुन",
    "चैत",
)


class CalendarRangeError(ValueError):
    """A date the BS calendar data does not cover, or a BS date that does not exist."""


@dataclass(frozen=True)
class BsDate:
    year: int
    month: int
    day: int

    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def range_message() -> str:
    return str(
        _l(
            "Bikram Sambat dates from %(low)s to %(high)s only (%(first)s to %(last)s AD).",
            low=f"{nepali_datetime.MINYEAR}-01-01",
            high=f"{nepali_datetime.MAXYEAR}-12-{month_length(nepali_datetime.MAXYEAR, 12)}",
            first=FIRST_AD.isoformat(),
            last=LAST_AD.isoformat(),
        )
    )


def to_bs(day: date) -> BsDate:
    """The BS date of an AD date; CalendarRangeError outside BS 1975-2100."""
    if not FIRST_AD <= day <= LAST_AD:
        raise CalendarRangeError(range_message())
    bs = nepali_datetime.date.from_datetime_date(day)
    return BsDate(bs.year, bs.month, bs.day)


def from_bs(year: int, month: int, day: int) -> date:
    """The AD date of a BS date; CalendarRangeError if there is no such BS day."""
    if not nepali_datetime.MINYEAR <= year <= nepali_datetime.MAXYEAR:
        raise CalendarRangeError(range_message())
    if not 1 <= month <= 12:
        raise CalendarRangeError(str(_l("A BS month is from 1 to 12.")))
    length = month_length(year, month)
    if not 1 <= day <= length:
        raise CalendarRangeError(
            str(
                _l(
                    "%(month)s %(year)d has %(days)d days.",
                    month=month_name(month, str(get_locale() or "en")),
                    year=year,
                    days=length,
                )
            )
        )
    return nepali_datetime.date(year, month, day).to_datetime_date()


def month_length(year: int, month: int) -> int:
    """Days in a BS month (29 to 32, from the library's official table).

    nepali-datetime has no public name for its month table; `_days_in_month` is what its
    own `date` validates with, so the two cannot disagree.
    """
    return nepali_datetime._days_in_month(year, month)


def parse_bs(text: str) -> date:
    """AD date of a BS date written `YYYY-MM-DD` (Latin or Devanagari digits)."""
    match = DATE_TEXT.fullmatch(latin_digits((text or "").strip()))
    if not match:
        raise CalendarRangeError(str(_l("Give a BS date as YYYY-MM-DD, such as 2081-01-15.")))
    return from_bs(*(int(part) for part in match.groups()))


@functools.lru_cache(maxsize=1 << 16)
def bs_iso(day: date | None) -> str | None:
    """`YYYY-MM-DD` in BS, or None for no date or a date outside the BS range.

    Cached: a conversion takes about 23 µs, an API page of 25 people has a hundred dates,
    an export of a million rows millions, and the same days come back again and again
    (dates of birth, registration days).
    """
    if day is None:
        return None
    try:
        return to_bs(day).iso()
    except CalendarRangeError:
        return None


def month_name(month: int, locale: str = "en") -> str:
    return (MONTHS_NE if locale == "ne" else MONTHS_EN)[month - 1]


def devanagari_digits(text: str) -> str:
    return text.translate(_TO_DEVANAGARI)


def latin_digits(text: str) -> str:
    return text.translate(_TO_LATIN)


def format_date(day: date | None, calendar: str = "ad", digits: str = "latin") -> str:
    """A date as a user reads it: AD `2024-04-13`, BS `2081-01-01 BS`, or both.

    A date outside the BS range is shown in AD whatever the calendar (it cannot be
    converted, and hiding it would lose information).
    """
    if day is None:
        return "—"
    ad = day.isoformat()
    bs = bs_iso(day) if calendar in ("bs", "both") else None
    if bs is None:
        text = ad
    elif calendar == "bs":
        text = str(_l("%(date)s BS", date=bs))
    else:
        text = str(_l("%(ad)s (%(bs)s BS)", ad=ad, bs=bs))
    return devanagari_digits(text) if digits == "devanagari" else text
