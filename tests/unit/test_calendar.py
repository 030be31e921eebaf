"""The BS calendar (casework.domain.calendar, on nepali-datetime): known dates both ways,
month and year boundaries, input that is not a BS day, the edges of the range, and the
month table the date picker draws (casework.domain.bs_months)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework.domain import bs_months
from casework.domain.calendar import (
    FIRST_AD,
    LAST_AD,
    CalendarRangeError,
    format_date,
    from_bs,
    month_length,
    parse_bs,
    to_bs,
)

KNOWN = [
    (date(1996, 2, 13), (2052, 11, 1)),
    (date(2015, 4, 25), (2072, 1, 12)),
    (date(2006, 11, 21), (2063, 8, 5)),
    (date(2024, 4, 13), (2081, 1, 1)),
    (date(2025, 4, 14), (2082, 1, 1)),
]


@pytest.mark.parametrize(("ad", "bs"), KNOWN)
def test_known_dates_convert_from_ad_to_bs(ad, bs):
    assert (to_bs(ad).year, to_bs(ad).month, to_bs(ad).day) == bs


@pytest.mark.parametrize(("ad", "bs"), KNOWN)
def test_known_dates_convert_from_bs_to_ad(ad, bs):
    assert from_bs(*bs) == ad


@pytest.mark.parametrize(("ad", "bs"), KNOWN)
def test_known_dates_are_read_from_text(ad, bs):
    year, month, day = bs
    assert parse_bs(f"{year:04d}-{month:02d}-{day:02d}") == ad


def test_the_day_after_the_last_of_a_month_is_the_first_of_the_next():
    last_of_baishakh = from_bs(2081, 1, month_length(2081, 1))
    assert to_bs(last_of_baishakh + timedelta(days=1)).iso() == "2081-02-01"


def test_the_day_after_the_last_of_chaitra_is_1_baishakh_of_the_next_year():
    last_of_chaitra = from_bs(2081, 12, month_length(2081, 12))
    assert last_of_chaitra == date(2025, 4, 13)
    assert to_bs(last_of_chaitra + timedelta(days=1)).iso() == "2082-01-01"


def test_a_32_day_month_has_its_32nd_day():
    assert month_length(2081, 2) == 32  # Jestha 2081
    assert to_bs(from_bs(2081, 2, 32)).iso() == "2081-02-32"
    assert to_bs(from_bs(2081, 2, 32) + timedelta(days=1)).iso() == "2081-03-01"


def test_a_day_the_month_does_not_have_is_refused_with_its_length():
    with pytest.raises(CalendarRangeError, match="Baishakh 2081 has 31 days"):
        parse_bs("2081-01-32")


def test_the_month_is_named_in_the_readers_language(app):
    with app.test_request_context("/?lang=ne"), pytest.raises(CalendarRangeError) as refused:
        parse_bs("2081-01-32")
    assert "बैशाख" in str(refused.value) and "Baishakh" not in str(refused.value)


@pytest.mark.parametrize("text", ["2081-13-01", "2081-00-10", "2081-01-00"])
def test_months_and_days_that_do_not_exist_are_refused(text):
    with pytest.raises(CalendarRangeError):
        parse_bs(text)


@pytest.mark.parametrize("text", ["", "2081", "81-01-01", "2081-01-01x", "१५ बैशाख"])
def test_text_that_is_not_a_date_asks_for_the_format(text):
    with pytest.raises(CalendarRangeError, match="YYYY-MM-DD"):
        parse_bs(text)


def test_devanagari_digits_are_read():
    assert parse_bs("२०८१-०१-०१") == date(2024, 4, 13)
    assert parse_bs("२०७२/१/१२") == date(2015, 4, 25)


def test_the_first_and_last_days_of_the_range_convert():
    assert to_bs(FIRST_AD).iso() == "1975-01-01"
    assert from_bs(1975, 1, 1) == FIRST_AD
    assert to_bs(LAST_AD).iso() == f"2100-12-{month_length(2100, 12):02d}"
    assert from_bs(2100, 12, month_length(2100, 12)) == LAST_AD


@pytest.mark.parametrize("ad", [FIRST_AD - timedelta(days=1), LAST_AD + timedelta(days=1)])
def test_one_day_outside_the_range_says_what_the_range_is(ad):
    with pytest.raises(CalendarRangeError, match="1975-01-01 to 2100-12-"):
        to_bs(ad)


@pytest.mark.parametrize("text", ["1974-12-30", "2101-01-01"])
def test_bs_input_outside_the_range_says_what_the_range_is(text):
    with pytest.raises(CalendarRangeError, match="1975-01-01 to 2100-12-"):
        parse_bs(text)


def test_display_outside_the_range_falls_back_to_ad():
    assert format_date(date(1910, 5, 1), "bs") == "1910-05-01"


@pytest.mark.parametrize(
    ("calendar", "digits", "shown"),
    [
        ("ad", "latin", "2024-04-13"),
        ("bs", "latin", "2081-01-01 BS"),
        ("both", "latin", "2024-04-13 (2081-01-01 BS)"),
        ("bs", "devanagari", "२०८१-०१-०१ BS"),
    ],
)
def test_display_follows_calendar_and_digits(calendar, digits, shown):
    assert format_date(date(2024, 4, 13), calendar, digits) == shown


# --- the picker's month table --------------------------------------------------------------


def test_the_picker_table_has_the_month_lengths_of_2081():
    table = bs_months.year_table(2081)
    assert [days for days, _ in table["months"]] == [
        31, 32, 31, 32, 31, 30, 30, 30, 29, 30, 29, 31,
    ]  # fmt: skip
    # The year is as long as the days from 1 Baishakh 2081 to 1 Baishakh 2082.
    assert sum(days for days, _ in table["months"]) == (date(2025, 4, 14) - date(2024, 4, 13)).days


def test_the_picker_table_gives_the_ad_start_and_weekday_of_each_month():
    table = bs_months.year_table(2081)
    assert table["start"] == "2024-04-13"
    assert table["months"][0][1] == 6  # 13 April 2024 was a Saturday (Sunday = 0)
    assert table["months"][1][1] == 2  # 1 Jestha 2081 = 14 May 2024, a Tuesday


def test_every_month_of_the_picker_table_agrees_with_the_converter():
    data = bs_months.picker_data()
    assert (data["first_year"], data["last_year"]) == (1975, 2100)
    assert len(data["years"]) == 126
    for table in data["years"]:
        first = date.fromisoformat(table["start"])
        for month, (days, weekday) in enumerate(table["months"], start=1):
            assert from_bs(table["year"], month, 1) == first
            assert (first.weekday() + 1) % 7 == weekday
            first += timedelta(days=days)
