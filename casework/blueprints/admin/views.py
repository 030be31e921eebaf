"""Administration: user accounts and the audit log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, require
from casework.blueprints.admin.forms import (
    AuditFilterForm,
    PasswordResetForm,
    UserCreateForm,
    UserEditForm,
)
from casework.blueprints.auth.forms import EmptyForm
from casework.blueprints.cases.forms import SettingsForm
from casework.blueprints.forms_common import apply_errors, opened_version
from casework.errors import StaleVersion, ValidationError
from casework.extensions import db
from casework.services import accounts, audit_log, reference, settings, sign_in_throttle

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> None:
    require(current_user, Permission.USER_MANAGE)


def _office_choices() -> list[tuple[str, str]]:
    return [(o.code, f"{o.code} — {o.name}") for o in reference.offices()]


@bp.get("/users")
def users():
    return render_template("admin/users.html", users=accounts.list_users(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = UserCreateForm()
    form.office_code.choices = _office_choices()
    if form.validate_on_submit():
        data = accounts.UserInput(
            form.username.data or "",
            form.role.data,
            form.office_code.data,
            form.full_name.data or "",
            form.password.data or "",
            language=form.language.data or "en",
        )
        try:
            user = accounts.create_user(current_user, data)
            db.session.commit()
            flash(_("Created the account %(name)s.", name=user.username), "success")
            return redirect(url_for("admin.users"))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
    failed = request.method == "POST"
    return render_template("admin/user_form.html", form=form, user=None), 422 if failed else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = accounts.get_user(current_user, user_id)
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    form.office_code.choices = _office_choices()
    if request.method == "GET":
        form.version.data = user.version
    status = 200
    if form.validate_on_submit():
        changes = {
            "full_name": form.full_name.data or "",
            "role": form.role.data,
            "office_code": form.office_code.data,
            "active": form.active.data,
        }
        version = opened_version(form.version)
        try:
            accounts.update_user(current_user, user, changes, version)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
        except StaleVersion as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = 409
    elif request.method == "POST":
        status = 422
    return _user_page(user, form, PasswordResetForm(), status)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = accounts.get_user(current_user, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(current_user, user, form.password.data or "")
            db.session.commit()
            flash(_("The password of %(name)s was reset.", name=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
    edit_form = UserEditForm(obj=user)
    edit_form.office_code.choices = _office_choices()
    edit_form.version.data = user.version
    return _user_page(user, edit_form, form, 422)


@bp.post("/users/<int:user_id>/unlock")
def unlock_user(user_id: int):
    """Lift the lock that failed sign-ins put on the account."""
    user = accounts.get_user(current_user, user_id)
    if EmptyForm().validate_on_submit():
        if sign_in_throttle.unlock_account(current_user, user):
            flash(_("%(name)s may sign in again.", name=user.username), "success")
        db.session.commit()
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/two-factor/reset")
def reset_two_factor(user_id: int):
    """Clear the user's two-factor (a lost phone): they set it up again at sign-in."""
    user = accounts.get_user(current_user, user_id)
    if EmptyForm().validate_on_submit():
        accounts.reset_two_factor(current_user, user)
        db.session.commit()
        flash(_("Two-factor sign-in of %(name)s was reset.", name=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
def revoke_token(user_id: int, token_id: int):
    user = accounts.get_user(current_user, user_id)
    if EmptyForm().validate_on_submit():
        accounts.revoke_token(current_user, token_id, owner=user)
        db.session.commit()
        flash(_("The token was revoked; it no longer works."), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _user_page(user, form, password_form, status: int):
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        password_form=password_form,
        tokens=accounts.tokens_of(current_user, user),
        revoke_form=EmptyForm(),
        lock=sign_in_throttle.account_lock(user),
    ), status


@bp.get("/audit")
def audit_events():
    require(current_user, Permission.AUDIT_VIEW)
    form = AuditFilterForm(request.args)
    form.validate()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    filters = audit_log.AuditFilters(
        username=form.username.data or "",
        object_type=form.object_type.data or "",
        object_id=form.object_id.data or "",
        action=form.action.data or "",
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
        page=page,
    )
    events, total = audit_log.browse(current_user, filters)
    pages = max((total + filters.per_page - 1) // filters.per_page, 1)
    return render_template(
        "admin/audit.html", form=form, events=events, total=total, page=page, pages=pages
    )


@bp.route("/settings", methods=["GET", "POST"])
def programme_settings():
    """Weights of the reintegration score and the "sustainable" threshold."""
    require(current_user, Permission.SETTINGS_MANAGE)
    current = settings.reintegration_settings()
    form = SettingsForm()
    if request.method == "GET":
        form.weight_economic.data = current.weights["economic"]
        form.weight_social.data = current.weights["social"]
        form.weight_psychosocial.data = current.weights["psychosocial"]
        form.threshold.data = current.threshold
        form.referral_response_days.data = settings.referral_response_days()
        form.suppression_threshold.data = settings.suppression_threshold()
        timeouts = settings.session_timeouts()
        form.session_idle_minutes.data = timeouts.idle_minutes
        form.session_absolute_hours.data = timeouts.absolute_hours
        policy = settings.lockout_policy()
        form.sign_in_max_failures.data = policy.max_failures
        form.sign_in_lock_minutes.data = policy.lock_minutes
    status = 200
    if form.validate_on_submit():
        weights = {
            name: float(getattr(form, f"weight_{name}").data)
            for name in ("economic", "social", "psychosocial")
        }
        try:
            settings.update_reintegration_settings(
                current_user, weights, float(form.threshold.data)
            )
            settings.update_referral_response_days(current_user, form.referral_response_days.data)
            settings.update_suppression_threshold(current_user, form.suppression_threshold.data)
            _save_session_timeouts(form)
            _save_lockout_policy(form)
            db.session.commit()
            flash(_("Settings saved. New monitoring visits use them."), "success")
            return redirect(url_for("admin.programme_settings"))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("admin/settings.html", form=form), status


def _save_session_timeouts(form) -> None:
    """A timeout left empty keeps its current value."""
    current = settings.session_timeouts()
    idle, absolute = form.session_idle_minutes.data, form.session_absolute_hours.data
    settings.update_session_timeouts(
        current_user,
        current.idle_minutes if idle is None else idle,
        current.absolute_hours if absolute is None else absolute,
    )


def _save_lockout_policy(form) -> None:
    """A lockout setting left empty keeps its current value."""
    current = settings.lockout_policy()
    failures, minutes = form.sign_in_max_failures.data, form.sign_in_lock_minutes.data
    settings.update_lockout_policy(
        current_user,
        current.max_failures if failures is None else failures,
        current.lock_minutes if minutes is None else minutes,
    )


# The data-protection pages hang on this blueprint (imported last: they import `bp`).
from casework.blueprints.admin import data_protection  # noqa: E402, F401
