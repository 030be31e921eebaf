"""Fiscal years (Bikram Sambat), report periods and UNHCR age bands."""

from __future__ import annotations

from datetime import date

import pytest

from casework.domain import age_bands, periods


@pytest.mark.parametrize(
    ("ad", "bs"),
    [
        (date(2015, 4, 25), (2072, 1, 12)),  # the Gorkha earthquake
        (date(2025, 4, 14), (2082, 1, 1)),  # New Year 2082
        (date(1996, 2, 13), (2052, 11, 1)),  # the conflict begins
        (date(2006, 11, 21), (2063, 8, 5)),  # the peace accord
    ],
)
def test_known_dates_convert_both_ways(ad, bs):
    converted = periods.ad_to_bs(ad)
    assert (converted.year, converted.month, converted.day) == bs
    assert periods.bs_to_ad(*bs) == ad


def test_fiscal_year_runs_from_shrawan_to_the_end_of_asar():
    assert periods.fiscal_year_range("2082/83") == (date(2025, 7, 17), date(2026, 7, 16))
    assert periods.fiscal_year_range("2082/2083") == (date(2025, 7, 17), date(2026, 7, 16))
    assert periods.fiscal_year_range("2081/82") == (date(2024, 7, 16), date(2025, 7, 16))


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (date(2025, 7, 16), "2081/82"),  # 32 Asar 2082: the last day of 2081/82
        (date(2025, 7, 17), "2082/83"),  # 1 Shrawan 2082: the first day of 2082/83
        (date(2025, 4, 14), "2081/82"),  # BS New Year is not the fiscal new year
        (date(2026, 7, 16), "2082/83"),
        (date(2026, 7, 17), "2083/84"),
        (date(2000, 1, 1), "2056/57"),  # a century turning: the label keeps two digits
    ],
)
def test_the_fiscal_year_of_a_day(day, fiscal_year):
    assert periods.fiscal_year_of(day) == fiscal_year
    first, last = periods.fiscal_year_range(fiscal_year)
    assert first <= day <= last


@pytest.mark.parametrize(
    "label", ["2082", "2082/84", "82/83", "2082-83", "abcd/ef", "", "2082/830"]
)
def test_malformed_fiscal_years_are_refused_on_their_field(label):
    with pytest.raises(periods.PeriodError) as raised:
        periods.fiscal_year_range(label)
    assert "2082/83" in raised.value.fields["fiscal_year"][0]


@pytest.mark.parametrize("label", ["1950/51", "2100/01", "1974/75"])
def test_fiscal_years_outside_the_calendar_tables_are_refused(label):
    with pytest.raises(periods.PeriodError) as raised:
        periods.fiscal_year_range(label)
    assert "fiscal_year" in raised.value.fields


def test_a_period_is_a_range_or_a_fiscal_year_never_inverted():
    assert periods.make_period(date(2026, 1, 1), date(2026, 1, 31)).label == (
        "2026-01-01 – 2026-01-31"
    )
    period = periods.make_period(fiscal_year=" 2082/2083 ")
    assert (period.start, period.end, period.fiscal_year) == (
        date(2025, 7, 17),
        date(2026, 7, 16),
        "2082/83",
    )
    with pytest.raises(periods.PeriodError) as inverted:
        periods.make_period(date(2026, 2, 1), date(2026, 1, 1))
    assert list(inverted.value.fields) == ["to"]
    with pytest.raises(periods.PeriodError) as both:
        periods.make_period(date(2026, 2, 1), None, "2082/83")
    assert list(both.value.fields) == ["fiscal_year"]
    assert periods.make_period(date(2026, 1, 1), date(2026, 1, 1)).start == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (date(2021, 7, 16), date(2026, 7, 16), "5-11"),  # fifth birthday on the day
        (date(2021, 7, 17), date(2026, 7, 16), "0-4"),  # a day short of five
        (date(2014, 7, 16), date(2026, 7, 16), "12-17"),
        (date(2014, 7, 17), date(2026, 7, 16), "5-11"),
        (date(2008, 7, 16), date(2026, 7, 16), "18-59"),
        (date(2008, 7, 17), date(2026, 7, 16), "12-17"),
        (date(1966, 7, 16), date(2026, 7, 16), "60+"),
        (date(1966, 7, 17), date(2026, 7, 16), "18-59"),
        (date(2020, 2, 29), date(2025, 2, 28), "0-4"),  # leap-day birthday not yet reached
        (date(2020, 2, 29), date(2025, 3, 1), "5-11"),
        (date(2027, 1, 1), date(2026, 7, 16), "0-4"),  # born after the period: youngest
        (None, date(2026, 7, 16), "unknown"),
    ],
)
def test_age_bands_on_a_day(born, on, band):
    assert age_bands.band_of(born, on) == band


def test_cutoffs_agree_with_the_bands_for_every_birthday_of_two_years():
    """The dates the database compares with give the same band as the rule itself."""
    on = date(2024, 2, 29)
    cutoffs = age_bands.cutoffs(on)
    day = date(1960, 1, 1)
    while day < date(2026, 1, 1):
        by_cutoff = next((band for band, latest in cutoffs if day <= latest), "0-4")
        assert by_cutoff == age_bands.band_of(day, on), day
        day = date.fromordinal(day.toordinal() + 17)
