"""Pages to import beneficiaries from a file: upload, dry-run report, mapping, apply.

The upload reads up to IMPORT_MAX_BYTES, more than the app's MAX_CONTENT_LENGTH allows
other forms; the limit must be raised before the form is parsed, and CSRFProtect parses
it before any view, so this one view checks its CSRF token itself after raising it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, require
from casework.errors import ValidationError
from casework.extensions import csrf, db
from casework.imports.columns import FIELDS, IGNORE
from casework.services import imports as service

bp = Blueprint("imports", __name__, url_prefix="/imports")
SHOWN = 500  # errors and duplicates listed on the page; the counts are exact


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _index_page(error: str | None = None, status: int = 200):
    per_page = current_app.config["PER_PAGE"]
    batches, total = service.list_batches(current_user, _page(), per_page)
    limits = service.limits()
    page = render_template(
        "imports/index.html",
        batches=batches,
        total=total,
        page=_page(),
        pages=max((total + per_page - 1) // per_page, 1),
        error=error,
        max_mb=limits.max_bytes // 2**20,
        max_rows=limits.max_rows,
    )
    return page, status


@bp.get("/")
def index():
    require(current_user, Permission.BENEFICIARY_IMPORT)
    return _index_page()


@bp.post("/")
@csrf.exempt
def upload():
    # Room for the file and the form around it; a larger upload gets 413 before reading.
    request.max_content_length = service.limits().max_bytes + 64 * 1024
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # first, as CSRFProtect would have before the view (CSRFError)
    require(current_user, Permission.BENEFICIARY_IMPORT)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _index_page(_("Choose a CSV or XLSX file."), 422)
    content = upload.read(service.limits().max_bytes + 1)
    try:
        batch = service.check(
            current_user, upload.filename, content, source=request.form.get("source", "")
        )
    except ValidationError as error:
        db.session.rollback()
        return _index_page(error.message, 422)
    db.session.commit()
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.get("/<int:batch_id>")
def show(batch_id: int):
    batch = service.get_batch(current_user, batch_id)
    return _show_page(batch)


def _show_page(batch, error: str | None = None, status: int = 200):
    per_page = current_app.config["PER_PAGE"]
    members, total = ([], 0)
    if batch.status == "applied":
        members, total = service.batch_members(current_user, batch, _page(), per_page)
    page = render_template(
        "imports/show.html",
        batch=batch,
        report=batch.report or {},
        fields=FIELDS,
        shown=SHOWN,
        error=error,
        members=members,
        total=total,
        page=_page(),
        pages=max((total + per_page - 1) // per_page, 1),
    )
    return page, status


@bp.post("/<int:batch_id>/mapping")
def mapping(batch_id: int):
    batch = service.get_batch(current_user, batch_id)
    chosen = {}
    for column in (batch.report or {}).get("columns", []):
        value = request.form.get(f"column-{column['index']}")
        if value is not None:
            chosen[column["header"]] = value if value in FIELDS else IGNORE
    service.remap(current_user, batch, chosen)
    db.session.commit()
    flash(_("The file was checked again with these columns."), "success")
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.post("/<int:batch_id>/apply")
def apply(batch_id: int):
    batch = service.get_batch(current_user, batch_id)
    try:
        service.apply(
            current_user,
            batch,
            duplicates_choice=request.form.get("duplicates", "skip"),
            exclude_errors=request.form.get("exclude_errors") == "yes",
        )
    except ValidationError as error:
        db.session.rollback()
        batch = service.get_batch(current_user, batch_id)
        return _show_page(batch, error.message, 422)
    db.session.commit()
    flash(_("Imported %(n)d beneficiaries.", n=batch.rows_imported), "success")
    return redirect(url_for("imports.show", batch_id=batch.id))


@bp.post("/<int:batch_id>/discard")
def discard(batch_id: int):
    batch = service.get_batch(current_user, batch_id)
    service.discard(current_user, batch)
    db.session.commit()
    flash(_("The file was discarded; nothing was imported."), "success")
    return redirect(url_for("imports.index"))
