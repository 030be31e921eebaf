"""What may be written to a spreadsheet cell."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from casework.reports.cells import neutralise


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+977", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x")'],
)
def test_text_a_spreadsheet_would_run_is_quoted(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-2, 3.5, 0, date(2026, 1, 1), datetime(2026, 1, 1, 9)])
def test_numbers_and_dates_stay_what_they_are(value):
    assert neutralise(value) == value


def test_plain_text_none_and_booleans():
    assert neutralise("Sita Shrestha") == "Sita Shrestha"
    assert neutralise("सीता") == "सीता"
    assert neutralise("a=b") == "a=b"
    assert neutralise(None) == ""
    assert (neutralise(True), neutralise(False)) == ("yes", "no")
