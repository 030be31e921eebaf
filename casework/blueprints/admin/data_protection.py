"""Admin pages for data protection: retention (list, period, apply) and subject access.

The routes hang on the admin blueprint (admins only: see views.admins_only).
"""

from __future__ import annotations

import json
import re

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from casework.auth.permissions import Permission, require
from casework.blueprints.admin.forms import (
    RetentionApplyForm,
    RetentionYearsForm,
    SubjectAccessForm,
)
from casework.blueprints.admin.views import bp
from casework.blueprints.forms_common import apply_errors
from casework.domain import record_fields
from casework.errors import ValidationError
from casework.extensions import db
from casework.services import retention, settings, subject_access

SHOWN_DUE = 500  # a first run at a national caseload may find tens of thousands


def _retention_page(years_form=None, apply_form=None, status: int = 200):
    due = retention.due(current_user)
    if years_form is None:
        years_form = RetentionYearsForm()
        years_form.retention_years.data = settings.retention_years()
    return render_template(
        "admin/retention.html",
        due=due,
        shown=due[:SHOWN_DUE],
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


@bp.get("/subject-access")
def subject_access_search():
    """Find the person by registration number, then produce their report."""
    require(current_user, Permission.SUBJECT_ACCESS)
    form = SubjectAccessForm(request.args)
    if not form.registration_number.data:
        return render_template("admin/subject_access_search.html", form=form)
    try:
        found = subject_access.find(current_user, form.registration_number.data)
    except ValidationError as error:
        apply_errors(form, error)
        return render_template("admin/subject_access_search.html", form=form), 422
    return redirect(url_for("admin.subject_access_report", beneficiary_id=found))


@bp.get("/subject-access/<int:beneficiary_id>")
def subject_access_report(beneficiary_id: int):
    """Everything held about the person, as a page to read and print (audited)."""
    report = subject_access.produce(current_user, beneficiary_id, "html")
    db.session.commit()
    return render_template(
        "admin/subject_access.html",
        report=report,
        field_label=record_fields.label,
        stored_value=_stored_value,
    )


_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def _stored_value(value):
    """A value as it is held; a code (`business_grant`) marked as one: the report shows
    the record as stored, and its JSON download has the same codes."""
    if isinstance(value, str) and _CODE.fullmatch(value):
        return Markup("<code>%s</code>") % value
    return value


@bp.get("/subject-access/<int:beneficiary_id>.json")
def subject_access_json(beneficiary_id: int):
    """The same report as a JSON download (audited)."""
    report = subject_access.produce(current_user, beneficiary_id, "json")
    db.session.commit()
    number = report["profile"]["registration_number"]
    body = json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="subject-access-{number}.json"',
            "Cache-Control": "no-store",
        },
    )
