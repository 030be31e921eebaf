"""Settings that admins change: the reintegration score, referral follow-ups, report
suppression, and the sign-in lockout (failures allowed and lock duration)."""

from __future__ import annotations

from flask_babel import gettext as _

from casework import audit
from casework.auth.permissions import Permission, require
from casework.domain import lockout, reintegration
from casework.domain import sessions as session_rules
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
SUPPRESSION_KEY = "suppression_threshold"  # also the field the admin page names
DEFAULT_SUPPRESSION_THRESHOLD = 5


def _whole_number(key: str, name: str, default: int) -> int:
    row = db.session.get(Setting, key)
    return int((row.value if row else {}).get(name, default))


def _set_whole_number(actor: User, key: str, name: str, value, default: int, check) -> int:
    """Store `{name: value}` under `key` once `check(value)` passes; audit a change."""
    require(actor, Permission.SETTINGS_MANAGE)
    if not isinstance(value, int) or isinstance(value, bool) or not check(value):
        raise ValidationError(fields={key: [check.message]})
    before = _whole_number(key, name, default)
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value={}, updated_by_id=actor.id)
        db.session.add(row)
    row.value, row.updated_by_id = {name: value}, actor.id
    db.session.flush()
    if before != value:
        audit.record(
            "settings.update",
            object_type="setting",
            object_id=key,
            changes={name: [before, value]},
            actor=actor,
        )
    return value


class _Between:
    def __init__(self, low: int, high: int, message):
        self.low, self.high, self.message = low, high, message

    def __call__(self, value: int) -> bool:
        return self.low <= value <= self.high


def referral_response_days() -> int:
    """Days a provider has to answer a referral before a follow-up is due."""
    return _whole_number(REFERRAL_DAYS_KEY, "days", DEFAULT_REFERRAL_DAYS)


def update_referral_response_days(actor: User, days) -> int:
    check = _Between(1, 365, _("A number of days from 1 to 365."))
    return _set_whole_number(actor, REFERRAL_DAYS_KEY, "days", days, DEFAULT_REFERRAL_DAYS, check)


def suppression_threshold() -> int:
    """Aggregate counts below this are hidden in reports (default 5)."""
    return _whole_number(SUPPRESSION_KEY, "threshold", DEFAULT_SUPPRESSION_THRESHOLD)


def update_suppression_threshold(actor: User, threshold) -> int:
    check = _Between(2, 100, _("A whole number from 2 to 100."))
    return _set_whole_number(
        actor, SUPPRESSION_KEY, "threshold", threshold, DEFAULT_SUPPRESSION_THRESHOLD, check
    )


MAX_FAILURES_KEY = "sign_in_max_failures"  # also the fields the admin page names
LOCK_MINUTES_KEY = "sign_in_lock_minutes"


def lockout_policy() -> lockout.Policy:
    """How many failed sign-ins lock an account or address, and for how long."""
    return lockout.Policy(
        max_failures=_whole_number(MAX_FAILURES_KEY, "failures", lockout.DEFAULT_MAX_FAILURES),
        lock_minutes=_whole_number(LOCK_MINUTES_KEY, "minutes", lockout.DEFAULT_LOCK_MINUTES),
    )


def update_lockout_policy(actor: User, max_failures, lock_minutes) -> lockout.Policy:
    """Both values are checked before either is stored; each change is audited."""
    require(actor, Permission.SETTINGS_MANAGE)
    (low_f, high_f), (low_m, high_m) = lockout.MAX_FAILURES_RANGE, lockout.LOCK_MINUTES_RANGE
    rules = [
        (
            MAX_FAILURES_KEY,
            "failures",
            max_failures,
            lockout.DEFAULT_MAX_FAILURES,
            _Between(
                low_f, high_f, _("A whole number from %(low)d to %(high)d.", low=low_f, high=high_f)
            ),
        ),
        (
            LOCK_MINUTES_KEY,
            "minutes",
            lock_minutes,
            lockout.DEFAULT_LOCK_MINUTES,
            _Between(
                low_m,
                high_m,
                _("A number of minutes from %(low)d to %(high)d.", low=low_m, high=high_m),
            ),
        ),
    ]
    errors = {
        key: [check.message]
        for key, _name, value, _default, check in rules
        if not _is_whole(value) or not check(value)
    }
    if errors:
        raise ValidationError(fields=errors)
    for key, name, value, default, check in rules:
        _set_whole_number(actor, key, name, value, default, check)
    return lockout_policy()


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


SESSION_TIMEOUTS_KEY = "session_timeouts"


def session_timeouts() -> session_rules.SessionTimeouts:
    """The idle and absolute timeouts of signed-in sessions (read on every page request)."""
    row = db.session.get(Setting, SESSION_TIMEOUTS_KEY)
    value = row.value if row else {}
    return session_rules.SessionTimeouts(
        idle_minutes=int(value.get("idle_minutes", session_rules.DEFAULT_IDLE_MINUTES)),
        absolute_hours=int(value.get("absolute_hours", session_rules.DEFAULT_ABSOLUTE_HOURS)),
    )


def update_session_timeouts(
    actor: User, idle_minutes, absolute_hours
) -> session_rules.SessionTimeouts:
    """Change both timeouts; sessions already open are judged by the new ones at once."""
    require(actor, Permission.SETTINGS_MANAGE)
    if errors := session_rules.check_timeouts(idle_minutes, absolute_hours):
        raise ValidationError(fields=errors)
    before = session_timeouts()
    value = {"idle_minutes": idle_minutes, "absolute_hours": absolute_hours}
    row = db.session.get(Setting, SESSION_TIMEOUTS_KEY)
    if row is None:
        row = Setting(key=SESSION_TIMEOUTS_KEY, value={}, updated_by_id=actor.id)
        db.session.add(row)
    row.value, row.updated_by_id = value, actor.id
    db.session.flush()
    old = {"idle_minutes": before.idle_minutes, "absolute_hours": before.absolute_hours}
    if old != value:
        audit.record(
            "settings.update",
            object_type="setting",
            object_id=SESSION_TIMEOUTS_KEY,
            changes=audit.diff(old, value),
            actor=actor,
        )
    return session_timeouts()


RETENTION_KEY = "retention_years"  # also the field the retention page names
DEFAULT_RETENTION_YEARS = 7


def retention_years() -> int:
    """Years a person's record is kept after their last case closed (or, with no case,
    after registration) before `flask casework retention` anonymises it (default 7)."""
    return _whole_number(RETENTION_KEY, "years", DEFAULT_RETENTION_YEARS)


def update_retention_years(actor: User, years) -> int:
    check = _Between(1, 100, _("A whole number of years from 1 to 100."))
    return _set_whole_number(actor, RETENTION_KEY, "years", years, DEFAULT_RETENTION_YEARS, check)
