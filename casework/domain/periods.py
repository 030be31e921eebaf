"""Report periods: a range of days, or a Nepali fiscal year such as 2082/83.

Nepal's fiscal year runs from 1 Shrawan to the last day of Asar in the Bikram Sambat (BS)
calendar; 2082/83 is 1 Shrawan 2082 (17 July 2025) to 32 Asar 2083 (16 July 2026). The
conversion uses nepali-datetime, which carries the official BS month lengths; its range
(BS 1975–2100) bounds the fiscal years we accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import nepali_datetime
from flask_babel import lazy_gettext as _l

NEPAL = ZoneInfo("Asia/Kathmandu")
SHRAWAN = 4  # the fourth BS month; Asar, the third, ends the fiscal year
_FISCAL_YEAR = re.compile(r"(\d{4})/(\d{2}|\d{4})")


class PeriodError(ValueError):
    """A period that cannot be used; `fields` maps each input field to its messages."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("; ".join(m for msgs in fields.values() for m in msgs))


@dataclass(frozen=True)
class Period:
    start: date | None = None  # first day included
    end: date | None = None  # last day included
    fiscal_year: str | None = None

    @property
    def label(self) -> str:
        if self.fiscal_year:
            return str(_l("Fiscal year %(fy)s", fy=self.fiscal_year))
        if self.start and self.end:
            return f"{self.start.isoformat()} – {self.end.isoformat()}"
        if self.start:
            return str(_l("From %(day)s", day=self.start.isoformat()))
        if self.end:
            return str(_l("Up to %(day)s", day=self.end.isoformat()))
        return str(_l("All dates"))

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "fiscal_year": self.fiscal_year,
        }


def nepal_today() -> date:
    """Today in Kathmandu (5:45 ahead of UTC): the day a report's "today" means."""
    return datetime.now(NEPAL).date()


def bs_to_ad(year: int, month: int, day: int) -> date:
    return nepali_datetime.date(year, month, day).to_datetime_date()


def ad_to_bs(day: date) -> nepali_datetime.date:
    return nepali_datetime.date.from_datetime_date(day)


def fiscal_year_range(label: str) -> tuple[date, date]:
    """First and last AD day of a fiscal year given as `2082/83` (or `2082/2083`)."""
    match = _FISCAL_YEAR.fullmatch((label or "").strip())
    message = _l("Give a fiscal year as two BS years, such as 2082/83.")
    if not match:
        raise PeriodError({"fiscal_year": [str(message)]})
    first, second = int(match.group(1)), match.group(2)
    following = first + 1
    if int(second) != (following if len(second) == 4 else following % 100):
        raise PeriodError({"fiscal_year": [str(message)]})
    try:
        start = bs_to_ad(first, SHRAWAN, 1)
        end = bs_to_ad(following, SHRAWAN, 1) - timedelta(days=1)
    except (ValueError, OverflowError):
        low, high = nepali_datetime.MINYEAR, nepali_datetime.MAXYEAR - 1
        raise PeriodError(
            {
                "fiscal_year": [
                    str(_l("Fiscal years from %(low)d to %(high)d only.", low=low, high=high))
                ]
            }
        ) from None
    return start, end


def fiscal_year_of(day: date) -> str:
    """The fiscal year a day falls in, as `2082/83`."""
    bs = ad_to_bs(day)
    first = bs.year if bs.month >= SHRAWAN else bs.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def make_period(
    start: date | None = None, end: date | None = None, fiscal_year: str | None = None
) -> Period:
    """A period from a range or a fiscal year (not both); the range may be open-ended."""
    if fiscal_year:
        if start or end:
            message = str(_l("Give either a fiscal year or dates, not both."))
            raise PeriodError({"fiscal_year": [message]})
        first, last = fiscal_year_range(fiscal_year)
        year = int(fiscal_year.strip()[:4])
        return Period(first, last, f"{year}/{(year + 1) % 100:02d}")
    if start and end and start > end:
        raise PeriodError({"to": [str(_l("The end of the period is before its start."))]})
    return Period(start, end)
