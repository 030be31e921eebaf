"""Programme settings that admins change: the reintegration score weights and threshold."""

from __future__ import annotations

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
