"""The Bikram Sambat month table the date picker draws its grid from.

The browser converts nothing: for every BS year in the library's range this gives the AD
date of 1 Baishakh and, for each month, its number of days and the weekday of its first
day, all from nepali-datetime (through casework.domain.calendar). The picker only lays
out days and, to mark today, counts days from a year's 1 Baishakh.
"""

from __future__ import annotations

import functools
from datetime import timedelta

import nepali_datetime

from casework.domain.calendar import MONTHS_EN, MONTHS_NE, from_bs, month_length

# Sunday first, as Nepali wall calendars are (and as JavaScript's getUTCDay counts).
WEEKDAYS_EN = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
WEEKDAYS_NE = ("आइत", "सोम", "मङ्गल", "बुध", "बिही", "शुक्र", "शनि")


def year_table(year: int) -> dict:
    """One BS year: `start` (AD of 1 Baishakh) and `months` as [days, weekday of day 1]."""
    start = from_bs(year, 1, 1)
    months, first = [], start
    for month in range(1, 13):
        days = month_length(year, month)
        months.append([days, (first.weekday() + 1) % 7])  # Monday=0 -> Sunday=0
        first += timedelta(days=days)
    return {"year": year, "start": start.isoformat(), "months": months}


@functools.cache
def picker_data() -> dict:
    """Everything the picker needs, for the whole range (about 9 kB as JSON); the same for
    every request, so built once (about 5 ms)."""
    return {
        "first_year": nepali_datetime.MINYEAR,
        "last_year": nepali_datetime.MAXYEAR,
        "years": [
            year_table(year) for year in range(nepali_datetime.MINYEAR, nepali_datetime.MAXYEAR + 1)
        ],
        "months": {"en": list(MONTHS_EN), "ne": list(MONTHS_NE)},
        "weekdays": {"en": list(WEEKDAYS_EN), "ne": list(WEEKDAYS_NE)},
    }
