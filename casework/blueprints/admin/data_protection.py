"""Admin pages for data protection: retention (list, period, apply) and subject access.

The routes hang on the admin blueprint (admins only: see views.admins_only).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, require
from casework.blueprints.admin.forms import RetentionApplyForm, RetentionYearsForm
from casework.blueprints.admin.views import bp
from casework.blueprints.forms_common import apply_errors
from casework.errors import ValidationError
from casework.extensions import db
from casework.services import retention, settings


def _retention_page(years_form=None, apply_form=None, status: int = 200):
    due = retention.due(current_user)
    if years_form is None:
        years_form = RetentionYearsForm()
        years_form.retention_years.data = settings.retention_years()
    return render_template(
        "admin/retention.html",
        due=due,
        years=settings.retention_years(),
        cutoff=retention.cutoff().date(),
        years_form=years_form,
        apply_form=apply_form or RetentionApplyForm(),
    ), status


@bp.get("/retention")
def retention_list():
    """Who is past the retention period (the same list as `flask casework retention`)."""
    require(current_user, Permission.RETENTION_MANAGE)
    return _retention_page()


@bp.post("/retention/period")
def retention_period():
    require(current_user, Permission.RETENTION_MANAGE)
    require(current_user, Permission.SETTINGS_MANAGE)
    form = RetentionYearsForm()
    if form.validate_on_submit():
        try:
            settings.update_retention_years(current_user, form.retention_years.data)
            db.session.commit()
            flash(_("Retention period saved."), "success")
            return redirect(url_for("admin.retention_list"))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)  # the field is named as the setting
    return _retention_page(years_form=form, status=422)


@bp.post("/retention/apply")
def retention_apply():
    require(current_user, Permission.RETENTION_MANAGE)
    form = RetentionApplyForm()
    if not form.validate_on_submit() or not form.confirm.data:
        form.confirm.errors = list(form.confirm.errors) + [
            _("Tick the box to confirm: anonymising cannot be undone.")
        ]
        return _retention_page(apply_form=form, status=422)
    outcome = retention.apply(current_user, command=f"admin page ({request.remote_addr})")
    db.session.commit()
    flash(
        _(
            "Anonymised %(people)d people and %(cases)d cases.",
            people=outcome.beneficiaries,
            cases=outcome.cases,
        ),
        "success",
    )
    return redirect(url_for("admin.retention_list"))
