"""Pure data-protection rules: what the logs may name, consent changes, anonymised values."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework.domain.conflict import SENSITIVE_CATEGORIES, SENSITIVE_VULNERABILITIES

RESTRICTED = "restricted"
SENSITIVE_CODES = SENSITIVE_CATEGORIES | SENSITIVE_VULNERABILITIES
ANONYMISED_NAME = "Anonymised"


def mask_sensitive(value: Any) -> Any:
    """`value` with every torture or sexual-violence code replaced by "restricted".

    The audit log and case history never name these (DESIGN.md): a list keeps its other
    codes and shows "restricted" once where any sensitive code was.
    """
    if isinstance(value, str):
        return RESTRICTED if value in SENSITIVE_CODES else value
    if isinstance(value, list | tuple):
        masked = [mask_sensitive(v) for v in value]
        if RESTRICTED in masked:
            masked = [v for v in masked if v != RESTRICTED] + [RESTRICTED]
        return masked
    if isinstance(value, dict):
        return {key: mask_sensitive(v) for key, v in value.items()}
    return value


def consent_change(before: dict, after: dict) -> dict[str, list[str]]:
    """The purposes newly given and withdrawn between two records' consent fields.

    A purpose counts only while consent is given: unticking "consent given" withdraws
    every purpose at once.
    """
    had = set(before.get("consent_purposes") or []) if before.get("consent_given") else set()
    has = set(after.get("consent_purposes") or []) if after.get("consent_given") else set()
    return {"given": sorted(has - had), "withdrawn": sorted(had - has)}


def year_only(born: date | None) -> date | None:
    """A date of birth reduced to its year (1 January, the convention for estimated dates).

    Age bands are counted at a report period's end; a person moves band only if a band's
    birthday falls between 1 January and the real birthday in that period's year, so
    counts by age band are kept except in that boundary year (see README).
    """
    return date(born.year, 1, 1) if born else None
