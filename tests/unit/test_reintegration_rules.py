"""Rules of return and reintegration (casework.domain.reintegration), worked by hand."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from casework.domain.reintegration import (
    DEFAULT_THRESHOLD,
    DEFAULT_WEIGHTS,
    ScoreSettings,
    check_return_date,
    check_scores,
    check_weights,
    composite,
    is_sustainable,
    monitoring_due,
)

DEFAULTS = ScoreSettings(weights=dict(DEFAULT_WEIGHTS), threshold=DEFAULT_THRESHOLD)


def scores(economic, social, psychosocial) -> dict[str, float]:
    return {"economic": economic, "social": social, "psychosocial": psychosocial}


# --- the composite score ----------------------------------------------------------------


def test_documented_defaults():
    assert DEFAULT_WEIGHTS == {"economic": 0.3, "social": 0.35, "psychosocial": 0.35}
    assert DEFAULT_THRESHOLD == 0.5


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # 0.3*0.5 + 0.35*0.6 + 0.35*0.7 = 0.15 + 0.21 + 0.245
        ((0.5, 0.6, 0.7), 0.605),
        # 0.3*1 + 0.35*0 + 0.35*0
        ((1.0, 0.0, 0.0), 0.3),
        # 0.3*0 + 0.35*1 + 0.35*1
        ((0.0, 1.0, 1.0), 0.7),
        # 0.3*0.2 + 0.35*0.4 + 0.35*0.9 = 0.06 + 0.14 + 0.315
        ((0.2, 0.4, 0.9), 0.515),
        ((0.0, 0.0, 0.0), 0.0),
        ((1.0, 1.0, 1.0), 1.0),
    ],
)
def test_composite_with_default_weights(values, expected):
    assert composite(scores(*values), DEFAULTS) == expected


@pytest.mark.parametrize(
    ("weights", "values", "expected"),
    [
        # weights need not add up to 1: (2*1 + 1*0 + 1*0.5) / 4
        ({"economic": 2, "social": 1, "psychosocial": 1}, (1.0, 0.0, 0.5), 0.625),
        # only the economic dimension counts
        ({"economic": 1, "social": 0, "psychosocial": 0}, (0.2, 0.9, 0.9), 0.2),
        # equal weights: the plain mean, rounded to three places (1.6 / 3 = 0.5333…)
        ({"economic": 1, "social": 1, "psychosocial": 1}, (0.5, 0.5, 0.6), 0.533),
        # (0.5*0.8 + 0.25*0.4 + 0.25*0.0) / 1 = 0.4 + 0.1
        ({"economic": 0.5, "social": 0.25, "psychosocial": 0.25}, (0.8, 0.4, 0.0), 0.5),
    ],
)
def test_composite_with_custom_weights(weights, values, expected):
    settings = ScoreSettings(weights=weights, threshold=0.5)
    assert composite(scores(*values), settings) == expected


def test_composite_is_rounded_to_three_places():
    # (1/3 + 0 + 0) / 1 with the economic weight only
    settings = ScoreSettings(weights={"economic": 1, "social": 0, "psychosocial": 0}, threshold=0)
    assert composite(scores(1 / 3, 0, 0), settings) == 0.333


def test_sustainable_exactly_at_the_threshold():
    assert is_sustainable(0.5, DEFAULTS) is True
    assert is_sustainable(0.499, DEFAULTS) is False
    assert is_sustainable(0.501, DEFAULTS) is True


def test_sustainable_on_a_computed_composite():
    # 0.3*0.5 + 0.35*0.5 + 0.35*0.5 = 0.5: at the threshold
    at = composite(scores(0.5, 0.5, 0.5), DEFAULTS)
    assert at == 0.5
    assert is_sustainable(at, DEFAULTS)
    # 0.15 + 0.175 + 0.35*0.497 = 0.49895 -> 0.499: just below
    below = composite(scores(0.5, 0.5, 0.497), DEFAULTS)
    assert below == 0.499
    assert not is_sustainable(below, DEFAULTS)


def test_custom_threshold():
    strict = ScoreSettings(weights=dict(DEFAULT_WEIGHTS), threshold=0.7)
    score = composite(scores(0.5, 0.6, 0.7), strict)  # 0.605
    assert not is_sustainable(score, strict)
    assert is_sustainable(score, DEFAULTS)
    assert is_sustainable(0.7, strict)


# --- settings: weights and threshold ----------------------------------------------------


def test_valid_weights_have_no_errors():
    assert check_weights(dict(DEFAULT_WEIGHTS), 0.5) == {}
    assert check_weights({"economic": 0, "social": 0, "psychosocial": 2}, 0) == {}
    assert check_weights({"economic": 1, "social": 1, "psychosocial": 1}, 1) == {}


@pytest.mark.parametrize(
    ("weights", "field"),
    [
        ({"economic": -0.1, "social": 0.5, "psychosocial": 0.5}, "weight_economic"),
        ({"economic": 0.3, "social": "a lot", "psychosocial": 0.5}, "weight_social"),
        ({"economic": 0.3, "social": 0.5}, "weight_psychosocial"),
        ({"economic": 0.3, "social": 0.5, "psychosocial": None}, "weight_psychosocial"),
    ],
)
def test_bad_weight_names_its_field(weights, field):
    errors = check_weights(weights, 0.5)
    assert list(errors) == [field]
    assert errors[field] == ["A weight is a number of 0 or more."]


def test_all_weights_zero_is_refused():
    errors = check_weights({"economic": 0, "social": 0, "psychosocial": 0}, 0.5)
    assert errors == {"weight_economic": ["At least one weight must be above 0."]}


@pytest.mark.parametrize("threshold", [-0.01, 1.01, 5, "high", None, math.nan])
def test_threshold_outside_0_to_1_is_refused(threshold):
    errors = check_weights(dict(DEFAULT_WEIGHTS), threshold)
    assert errors == {"threshold": ["The threshold is a number from 0 to 1."]}


def test_several_errors_at_once():
    errors = check_weights({"economic": -1, "social": -1, "psychosocial": 0.5}, 2)
    assert set(errors) == {"weight_economic", "weight_social", "threshold"}


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_weight_that_is_not_a_finite_number_is_refused(bad):
    # The admin settings form (DecimalField) turns "NaN" or "Infinity" into such floats.
    errors = check_weights({"economic": bad, "social": 0.35, "psychosocial": 0.35}, 0.5)
    assert "weight_economic" in errors


# --- monitoring scores ------------------------------------------------------------------


def test_valid_scores_have_no_errors():
    assert check_scores(scores(0, 0.5, 1)) == {}
    assert check_scores(scores(0.0, 1.0, 0.25)) == {}


@pytest.mark.parametrize("bad", [-0.01, 1.01, 2, "0.5", None, True, math.nan, math.inf])
@pytest.mark.parametrize("field", ["economic", "social", "psychosocial"])
def test_bad_score_names_its_field(field, bad):
    values = scores(0.5, 0.5, 0.5)
    values[field] = bad
    errors = check_scores(values)
    assert errors == {field: ["A score is a number from 0 to 1."]}


def test_missing_scores_are_each_named():
    assert set(check_scores({})) == {"economic", "social", "psychosocial"}
    assert set(check_scores({"social": 0.5})) == {"economic", "psychosocial"}


# --- dates --------------------------------------------------------------------------------


TODAY = date(2026, 3, 15)


def test_return_date_today_or_before_is_fine():
    assert check_return_date(TODAY, TODAY) == []
    assert check_return_date(TODAY - timedelta(days=400), TODAY) == []
    assert check_return_date(date(1950, 1, 1), TODAY) == []


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (None, "Give the date the person returned."),
        (TODAY + timedelta(days=1), "The return date cannot be in the future."),
        (date(1949, 12, 31), "The return date cannot be before 1950."),
    ],
)
def test_bad_return_date(returned, message):
    assert check_return_date(returned, TODAY) == [message]


def test_monitoring_is_due_ninety_days_after_delivery():
    assert monitoring_due(date(2026, 1, 1)) == date(2026, 4, 1)
    assert monitoring_due(date(2025, 12, 15)) == date(2026, 3, 15)
