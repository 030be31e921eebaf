"""Pages to find, register, view and edit beneficiaries."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, can, require, visible_offices
from casework.blueprints.beneficiaries.forms import EditForm, RegisterForm, SearchForm
from casework.blueprints.forms_common import apply_errors, opened_version
from casework.errors import StaleVersion, ValidationError
from casework.extensions import db
from casework.services import beneficiaries as service
from casework.services import cases, reference, referrals

bp = Blueprint("beneficiaries", __name__, url_prefix="/beneficiaries")


def _page_args() -> tuple[int, int]:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = current_app.config["PER_PAGE"]
    return page, per_page


@bp.get("/")
def index():
    require(current_user, Permission.BENEFICIARY_VIEW)
    form = SearchForm(request.args)
    form.district_id.choices = [("", "—")] + reference.district_choices()
    offices = visible_offices(current_user) or [o.code for o in reference.offices()]
    form.office.choices = [("", "—")] + [(code, code) for code in offices]
    page, per_page = _page_args()
    filters = service.SearchFilters(
        q=form.q.data or "",
        district_id=form.district_id.data,
        sex=form.sex.data or None,
        office=form.office.data or None,
        page=page,
        per_page=per_page,
    )
    items, total = service.search(current_user, filters)
    pages = max((total + per_page - 1) // per_page, 1)
    return render_template(
        "beneficiaries/index.html", form=form, items=items, total=total, page=page, pages=pages
    )


def _prepare(form, district_id: int | None) -> None:
    form.set_choices(
        reference.district_choices(),
        reference.local_level_choices(district_id),
        reference.country_choices(),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(current_user, Permission.BENEFICIARY_CREATE)
    form = RegisterForm()
    _prepare(form, form.district_id.data)
    matches, status = [], 200
    if form.validate_on_submit():
        try:
            beneficiary, matches = _register_unless_duplicate(form)
            if beneficiary is not None:
                db.session.commit()
                flash(
                    _(
                        "Registered %(name)s as %(number)s.",
                        name=beneficiary.full_name,
                        number=beneficiary.registration_number,
                    ),
                    "success",
                )
                return redirect(url_for("beneficiaries.show", beneficiary_id=beneficiary.id))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    page = render_template("beneficiaries/form.html", form=form, matches=matches, mode="new")
    return page, status


def _register_unless_duplicate(form: RegisterForm):
    """Register, or return the likely duplicates for the caseworker to check first."""
    data = form.data_for_service()
    household_id = None
    if (form.household_of.data or "").strip():
        household_id = service.household_of(current_user, form.household_of.data)
        data["relationship_to_head"] = form.relationship_to_head.data
    service.check_new(data)  # invalid input is reported before any duplicate
    if not form.confirm_not_duplicate.data:
        matches = service.find_matches(
            current_user,
            service.person_of(data),
            document_numbers=[d["number"] for d in data["documents"]],
            threshold=current_app.config["DUPLICATE_SCORE_THRESHOLD"],
        )
        if matches:
            return None, matches
    return service.register(current_user, data, household_id=household_id), []


@bp.get("/<int:beneficiary_id>")
def show(beneficiary_id: int):
    beneficiary = service.get(current_user, beneficiary_id)
    members = service.household_members(current_user, beneficiary)
    visible_cases = (
        cases.cases_of_beneficiary(current_user, beneficiary.id)
        if can(current_user, Permission.CASE_VIEW)
        else []
    )
    page = render_template(
        "beneficiaries/show.html",
        b=beneficiary,
        members=members,
        cases=visible_cases,
        transfers=referrals.transfers(current_user, beneficiary.id),
    )
    # The view is audited once the page is drawn and before it is sent: a commit before
    # drawing expired what the page reads (the person, documents, the user: loaded again),
    # and on SQLite the audit chain's write lock is held only for the write itself.
    service.record_view(current_user, beneficiary)
    db.session.commit()
    return page


@bp.route("/<int:beneficiary_id>/edit", methods=["GET", "POST"])
def edit(beneficiary_id: int):
    beneficiary = service.get(current_user, beneficiary_id)
    require(current_user, Permission.BENEFICIARY_EDIT, beneficiary)
    form = EditForm(obj=beneficiary) if request.method == "GET" else EditForm()
    if request.method == "GET":
        form.version.data = beneficiary.version
        form.vulnerabilities.data = beneficiary.shown_vulnerabilities
        entries = form.documents.entries
        if len(entries) <= len(beneficiary.documents) and len(entries) < form.documents.max_entries:
            form.documents.append_entry()  # room for one more document
    _prepare(form, form.district_id.data)
    stale = False
    if form.validate_on_submit():
        data = form.data_for_service()
        data["relationship_to_head"] = form.relationship_to_head.data
        version = opened_version(form.version)
        try:
            service.update(current_user, beneficiary, data, version)
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("beneficiaries.show", beneficiary_id=beneficiary.id))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
        except StaleVersion as error:
            db.session.rollback()
            stale = True
            form.form_errors.append(error.message)
    status = 409 if stale else (422 if request.method == "POST" else 200)
    return render_template(
        "beneficiaries/form.html", form=form, matches=[], mode="edit", b=beneficiary
    ), status
