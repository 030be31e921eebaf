"""Programme settings that admins change: the reintegration score weights and threshold."""

from __future__ import annotations

from flask_babel import gettext as _

from casework import audit
from casework.auth.permissions import Permission, require
from casework.domain import reintegration
from casework.errors import ValidationError
from casework.extensions import db
from casework.models import Setting, User

REINTEGRATION_KEY = "reintegration_score"


def reintegration_settings() -> reintegration.ScoreSettings:
    row = db.session.get(Setting, REINTEGRATION_KEY)
    value = row.value if row else {}
    return reintegration.ScoreSettings(
        weights=value.get("weights", dict(reintegration.DEFAULT_WEIGHTS)),
        threshold=value.get("threshold", reintegration.DEFAULT_THRESHOLD),
    )


def update_reintegration_settings(
    actor: User, weights: dict[str, float], threshold: float
) -> reintegration.ScoreSettings:
    require(actor, Permission.SETTINGS_MANAGE)
    errors = reintegration.check_weights(weights, threshold)
    if errors:
        raise ValidationError(fields=errors)
    before = reintegration_settings()
    value = {"weights": {d: float(weights[d]) for d in reintegration.DIMENSIONS}}
    value["threshold"] = float(threshold)
    row = db.session.get(Setting, REINTEGRATION_KEY)
    if row is None:
        db.session.add(Setting(key=REINTEGRATION_KEY, value=value, updated_by_id=actor.id))
    else:
        row.value, row.updated_by_id = value, actor.id
    db.session.flush()
    audit.record(
        "settings.update",
        object_type="setting",
        object_id=REINTEGRATION_KEY,
        changes=audit.diff({"weights": before.weights, "threshold": before.threshold}, value),
        actor=actor,
    )
    return reintegration_settings()


REFERRAL_DAYS_KEY = "referral_response_days"
DEFAULT_REFERRAL_DAYS = 14


def referral_response_days() -> int:
    """Days a provider has to answer a referral before a follow-up is due."""
    row = db.session.get(Setting, REFERRAL_DAYS_KEY)
    return int(row.value.get("days", DEFAULT_REFERRAL_DAYS)) if row else DEFAULT_REFERRAL_DAYS


def update_referral_response_days(actor: User, days) -> int:
    require(actor, Permission.SETTINGS_MANAGE)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        raise ValidationError(
            fields={"referral_response_days": [_("A number of days from 1 to 365.")]}
        )
    before = referral_response_days()
    row = db.session.get(Setting, REFERRAL_DAYS_KEY)
    if row is None:
        db.session.add(Setting(key=REFERRAL_DAYS_KEY, value={"days": days}, updated_by_id=actor.id))
    else:
        row.value, row.updated_by_id = {"days": days}, actor.id
    db.session.flush()
    if before != days:
        audit.record(
            "settings.update",
            object_type="setting",
            object_id=REFERRAL_DAYS_KEY,
            changes={"days": [before, days]},
            actor=actor,
        )
    return days


SUPPRESSION_KEY = "report_suppression_threshold"
DEFAULT_SUPPRESSION_THRESHOLD = 5
SUPPRESSION_RANGE = (2, 100)


def suppression_threshold() -> int:
    """Aggregate counts below this are hidden in reports (default 5)."""
    row = db.session.get(Setting, SUPPRESSION_KEY)
    value = row.value if row else {}
    return int(value.get("threshold", DEFAULT_SUPPRESSION_THRESHOLD))


def update_suppression_threshold(actor: User, threshold) -> int:
    require(actor, Permission.SETTINGS_MANAGE)
    low, high = SUPPRESSION_RANGE
    if (
        not isinstance(threshold, int)
        or isinstance(threshold, bool)
        or not low <= threshold <= high
    ):
        message = _("A whole number from %(low)d to %(high)d.", low=low, high=high)
        raise ValidationError(fields={"suppression_threshold": [message]})
    before = suppression_threshold()
    row = db.session.get(Setting, SUPPRESSION_KEY)
    if row is None:
        row = Setting(key=SUPPRESSION_KEY, value={}, updated_by_id=actor.id)
        db.session.add(row)
    row.value, row.updated_by_id = {"threshold": threshold}, actor.id
    db.session.flush()
    if before != threshold:
        audit.record(
            "settings.update",
            object_type="setting",
            object_id=SUPPRESSION_KEY,
            changes={"threshold": [before, threshold]},
            actor=actor,
        )
    return threshold
