"""How a report's period, moment and sheet names are written (casework.reports.presentation)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from casework.domain.periods import Period
from casework.i18n import Preferences
from casework.reports.presentation import period_label, produced_on, sheet_name

BS = Preferences(calendar="bs")


def test_a_moment_in_bs_is_its_day_and_clock_in_nepal():
    eve = datetime(2024, 4, 12, 19, 0, tzinfo=UTC)  # 00:45 on 13 April in Kathmandu
    assert produced_on(eve, BS) == "2081-01-01 BS, 00:45 Nepal time"
    assert produced_on(eve, Preferences()) == "2024-04-12 19:00 UTC"


def test_periods_in_each_calendar():
    new_year = date(2024, 4, 13)
    assert period_label(Period(start=new_year), BS) == "From 2081-01-01 BS"
    assert period_label(Period(end=new_year), Preferences()) == "Up to 2024-04-13"
    both = Preferences(calendar="both")
    assert period_label(Period(new_year, date(2025, 4, 14)), both) == (
        "2024-04-13 (2081-01-01 BS) – 2025-04-14 (2082-01-01 BS)"
    )
    fiscal = Period(date(2025, 7, 17), date(2026, 7, 16), "2082/83")
    assert period_label(fiscal, BS) == period_label(fiscal, Preferences()) == "Fiscal year 2082/83"
    assert period_label(Period(), BS) == "All dates"


def test_sheet_names_are_ones_excel_accepts():
    assert sheet_name("About this report") == "About this report"
    assert sheet_name("Q1/Q2: [draft]?") == "Q1 Q2   draft"
    assert len(sheet_name("x" * 40)) == 31
    assert sheet_name("'") == "Sheet"
