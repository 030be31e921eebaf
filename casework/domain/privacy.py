"""Pure data-protection rules: what the logs may name, consent changes, anonymised values.

Consent purposes (DESIGN.md codes) and where each is enforced:

- `referral`: submitting a referral and sending it to a provider (the transfer of personal
  data to a third party) need it on record; a withdrawal stops a referral waiting to be
  sent (casework.services.referrals.consent_on_record, checked at each step).
- `data_sharing`: sharing individual data with government. Casework has no such channel;
  partners get aggregate reports, anonymous suppressed counts that are not personal data,
  so reports count everyone whatever this purpose says.
- `registration`, `assistance`: recorded, not enforced: a person may be registered and
  helped on another lawful basis (vital interest, a child without a guardian), which the
  caseworker decides; the profile shows when no consent is recorded.
"""

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
