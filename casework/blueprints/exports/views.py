"""Pages to download individual-level exports (supervisors: their office; admins: all)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from casework.auth.permissions import Permission, require, visible_offices
from casework.blueprints.exports.download import send_export
from casework.blueprints.exports.forms import FORMS, ExportForm
from casework.blueprints.forms_common import apply_errors
from casework.errors import ValidationError
from casework.extensions import db
from casework.reports import exports, presentation
from casework.services import reference

bp = Blueprint("exports", __name__, url_prefix="/exports")

# The service names fields as the API does; these are the form's names for them.
FORM_NAMES = {"from": "date_from", "to": "date_to", "open": "open_only", "lang": "language"}


@bp.get("/")
def index():
    require(current_user, Permission.EXPORT_INDIVIDUAL)
    return render_template(
        "exports/index.html",
        datasets=exports.DATASETS.values(),
        all_offices=visible_offices(current_user) is None,
    )


def _prepare(form: ExportForm, spec: exports.Dataset) -> None:
    everyone = visible_offices(current_user) is None
    form.set_choices(spec, exports.office_choices(current_user), everyone)
    if "district_id" in form.filter_fields:
        form.district_id.choices = [("", "—")] + reference.district_choices()
    if "assigned_to" in form.filter_fields:
        form.assigned_to.choices = [("", "—")] + [
            (username, f"{username} ({office})")
            for username, office in exports.staff_choices(current_user)
        ]


@bp.route("/<dataset>", methods=["GET", "POST"])
def export(dataset: str):
    """The form (GET); the download, or the form with its errors (POST)."""
    require(current_user, Permission.EXPORT_INDIVIDUAL)
    spec = exports.dataset(dataset)  # 404 for a dataset that does not exist
    own = presentation.choose()
    form = FORMS[spec.name](
        language=own.language, calendar="ad" if own.calendar == "ad" else "both"
    )
    _prepare(form, spec)
    status = 200
    if request.method == "GET":
        form.columns.data = [c.key for c in spec.defaults]
    elif form.validate_on_submit():
        try:
            result = exports.export(
                current_user,
                spec.name,
                columns=form.columns.data or [],
                filters=form.filters(),
                fmt=form.format.data,
                password=form.password.data or None,
                language=form.language.data,
                calendar=form.calendar.data,
            )
        except ValidationError as error:
            db.session.rollback()
            error.fields = {FORM_NAMES.get(k, k): v for k, v in error.fields.items()}
            apply_errors(form, error)
            status = 422
        else:
            db.session.commit()  # the audit event is stored before a byte is sent
            return send_export(result)
    else:
        status = 422
    page = render_template(
        "exports/form.html", form=form, spec=spec, datasets=exports.DATASETS.values()
    )
    return page, status
