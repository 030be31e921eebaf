"""Aggregate reports: the builder, its downloads, and saved report definitions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, require
from casework.blueprints.auth.forms import EmptyForm
from casework.blueprints.forms_common import apply_errors
from casework.blueprints.reports.forms import ReportForm, SaveReportForm, builder_args
from casework.errors import ValidationError
from casework.extensions import db
from casework.reports import files, presentation
from casework.services import reference
from casework.services import reports as service

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.before_request
def aggregate_only() -> None:
    require(current_user, Permission.AGGREGATE_VIEW)


def _form() -> ReportForm:
    """The builder's form; the report's language, calendar and digits default to the
    user's own, and the query string may choose others (a Nepali file from an English
    interface). Not `lang=`: that would switch the whole interface (casework.i18n)."""
    own = presentation.choose()
    form = ReportForm(request.args, language=own.language, calendar=own.calendar, digits=own.digits)
    form.set_choices(reference.offices(), write=presentation.digits_of(own))
    return form


def _spec(form: ReportForm):
    return service.parse_spec(
        subject=form.subject.data,
        group_by=form.group_by(),
        kind=form.kind.data,
        office=form.office.data,
        start=form.start.data,
        end=form.end.data,
        fiscal_year=form.fiscal_year.data,
    )


def _build(form: ReportForm):
    """The report the form asks for, or None with the errors on the form."""
    if not form.validate():
        return None
    try:
        return service.run(current_user, _spec(form))
    except ValidationError as error:
        apply_errors(form, error)
        return None


@bp.get("/")
def builder():
    form = _form()
    report, status = None, 200
    if request.args:
        report = _build(form)
        status = 200 if report else 422
    page = render_template(
        "reports/builder.html",
        form=form,
        report=report,
        table=presentation.present(report, form.style()) if report else None,
        saved=service.saved_reports(current_user),
        save_form=SaveReportForm(),
        delete_form=EmptyForm(),
    )
    return page, status


@bp.get("/download")
def download():
    file_format = request.args.get("format", "csv")
    if file_format not in files.FILE_TYPES:
        raise ValidationError(fields={"format": [_("Choose CSV or XLSX.")]})
    form = _form()
    report = _build(form)
    if report is None:
        return builder()
    style = form.style()
    service.record_download(current_user, report.spec, file_format, style)
    db.session.commit()
    return files.file_response(report, file_format, style)


@bp.post("/saved")
def save():
    """Save the definition in the query string under a name."""
    save_form = SaveReportForm()
    form = _form()
    try:
        if not form.validate():
            raise ValidationError(fields={"name": [_("Correct the report before saving it.")]})
        saved = service.save(current_user, save_form.name.data, _spec(form))
    except ValidationError as error:
        db.session.rollback()
        flash("; ".join(m for msgs in error.fields.values() for m in msgs), "danger")
        return redirect(url_for("reports.builder", **request.args))
    db.session.commit()
    flash(_("Saved as “%(name)s”.", name=saved.name), "success")
    return redirect(url_for("reports.builder", **request.args))


@bp.get("/saved/<int:report_id>")
def run_saved(report_id: int):
    """A saved report, for its own period or for the fiscal year or dates given."""
    saved = service.get_saved(current_user, report_id)
    new_period = {k: request.args.get(k, "") for k in ("fiscal_year", "start", "end")}
    args = builder_args(saved.definition, new_period)
    return redirect(url_for("reports.builder", **args))


@bp.post("/saved/<int:report_id>/delete")
def delete_saved(report_id: int):
    service.delete_saved(current_user, report_id)
    db.session.commit()
    flash(_("Saved report deleted."), "success")
    return redirect(url_for("reports.builder"))
