"""Rules of return and reintegration: dates, budgets and the sustainability score.

The composite reintegration score is the weighted mean of the economic, social and
psychosocial scores of a monitoring visit (each 0..1); a case counts as "sustainable" at
or above the threshold. Weights and threshold are programme settings that admins change
(casework.services.settings); the defaults below are documented in the README.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

RETURN_REASONS = {
    "end_of_contract": _l("End of contract"),
    "stranded": _l("Stranded"),
    "deported": _l("Deported"),
    "abuse_exploitation": _l("Abuse or exploitation"),
    "medical": _l("Medical"),
    "other": _l("Other"),
}

ARRIVAL_HELP = {
    "reception": _l("Reception"),
    "shelter": _l("Shelter"),
    "medical": _l("Medical care"),
    "psychosocial": _l("Psychosocial support"),
    "family_tracing": _l("Family tracing"),
    "onward_transport": _l("Onward transport"),
}

ASSISTANCE_TYPES = {
    "cash": _l("Cash"),
    "in_kind": _l("In-kind"),
    "business_grant": _l("Business start-up grant"),
    "job_placement": _l("Job placement"),
    "vocational_training": _l("Vocational training"),
    "education_scholarship": _l("Education scholarship"),
    "medical": _l("Medical"),
    "psychosocial": _l("Psychosocial"),
    "housing": _l("Housing"),
    "referral": _l("Referral"),
}

CLOSURE_REASONS = {
    "completed": _l("Reintegration completed"),
    "withdrew": _l("The person withdrew"),
    "lost_contact": _l("Lost contact"),
    "re_migrated": _l("Migrated again"),
    "deceased": _l("Deceased"),
    "transferred": _l("Transferred to another organisation"),
    "other": _l("Other"),
}

DEFAULT_WEIGHTS = {"economic": 0.3, "social": 0.35, "psychosocial": 0.35}
DEFAULT_THRESHOLD = 0.5
MONITORING_AFTER = timedelta(days=90)  # a monitoring visit is due three months after delivery
DIMENSIONS = ("economic", "social", "psychosocial")


@dataclass(frozen=True)
class ScoreSettings:
    weights: dict[str, float]
    threshold: float


def check_weights(weights: dict[str, float], threshold: float) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in DIMENSIONS:
        value = weights.get(name)
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            errors[f"weight_{name}"] = [str(_l("A weight is a number of 0 or more."))]
    if not errors and sum(weights[d] for d in DIMENSIONS) <= 0:
        errors["weight_economic"] = [str(_l("At least one weight must be above 0."))]
    if (
        not isinstance(threshold, int | float)
        or not math.isfinite(threshold)
        or not 0 <= threshold <= 1
    ):
        errors["threshold"] = [str(_l("The threshold is a number from 0 to 1."))]
    return errors


def composite(scores: dict[str, float], settings: ScoreSettings) -> float:
    """Weighted mean of the three dimension scores, rounded to three places."""
    total_weight = sum(settings.weights[d] for d in DIMENSIONS)
    weighted = sum(scores[d] * settings.weights[d] for d in DIMENSIONS)
    return round(weighted / total_weight, 3)


def is_sustainable(score: float, settings: ScoreSettings) -> bool:
    return score >= settings.threshold


def check_scores(scores: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in DIMENSIONS:
        value = scores.get(name)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
            or not 0 <= value <= 1
        ):
            errors[name] = [str(_l("A score is a number from 0 to 1."))]
    return errors


def check_return_date(returned: date | None, today: date) -> list[str]:
    if returned is None:
        return [str(_l("Give the date the person returned."))]
    if returned > today:
        return [str(_l("The return date cannot be in the future."))]
    if returned < date(1950, 1, 1):
        return [str(_l("The return date cannot be before 1950."))]
    return []


def monitoring_due(delivered_on: date) -> date:
    return delivered_on + MONITORING_AFTER
