"""Case pages: list, open, the case page with its actions, edit; my work; approvals."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import BadRequest, NotFound

from casework.auth.permissions import (
    Permission,
    can,
    require,
    sees_confidential,
    sees_sensitive,
)
from casework.blueprints.cases.forms import (
    KIND_FORMS,
    AssignForm,
    DecisionForm,
    DeliveryForm,
    FollowUpForm,
    NoteForm,
    PlanForm,
    ReassignForm,
    StageForm,
    TransitionForm,
    VisitForm,
)
from casework.blueprints.forms_common import apply_errors, opened_version, safe_next
from casework.domain import codes, workflow
from casework.errors import CaseworkError, StaleVersion, ValidationError
from casework.extensions import db
from casework.services import (
    approvals,
    beneficiaries,
    cases,
    kinds,
    reference,
    referrals,
    reintegration,
    settings,
)
from casework.services import work as work_service

bp = Blueprint("cases", __name__)


# --- lists and opening -------------------------------------------------------------------


@bp.get("/cases/")
def index():
    require(current_user, Permission.CASE_VIEW)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    filters = cases.CaseFilters(
        kind=request.args.get("kind") if request.args.get("kind") in workflow.KINDS else None,
        status=request.args.get("status")
        if request.args.get("status") in workflow.STATUSES
        else None,
        open_only=request.args.get("open") == "1",
        page=page,
        per_page=current_app.config["PER_PAGE"],
    )
    items, total = cases.search(current_user, filters)
    pages = max((total + filters.per_page - 1) // filters.per_page, 1)
    return render_template(
        "cases/index.html", items=items, total=total, page=page, pages=pages, filters=filters
    )


@bp.route("/beneficiaries/<int:beneficiary_id>/cases/new", methods=["GET", "POST"])
def new(beneficiary_id: int):
    """Open a case; `?kind=` chooses the kind (return and reintegration by default)."""
    require(current_user, Permission.CASE_CREATE)
    person = beneficiaries.get(current_user, beneficiary_id)
    kind = request.args.get("kind", "return_reintegration")
    if kind not in KIND_FORMS:
        raise NotFound()
    form = KIND_FORMS[kind][0]()
    form.prepare(reference.country_choices(), reference.district_choices())
    _offer_family(form, person, [])
    form.assigned_to.choices = [(u.id, u.username) for u in _assignees(person.office_code)]
    if request.method == "GET":
        form.assigned_to.data = current_user.id
    if form.validate_on_submit():
        try:
            case = cases.open_case(
                current_user,
                kind,
                person.id,
                _kind_data(form),
                assigned_to_id=form.assigned_to.data,
            )
            db.session.commit()
            flash(_("Opened case %(number)s.", number=case.case_number), "success")
            return redirect(url_for("cases.show", case_id=case.id))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
    failed = request.method == "POST"
    page = render_template("cases/new.html", form=form, person=person, kind=kind)
    return page, 422 if failed else 200


def _offer_family(form, person, member_ids: list[int]) -> None:
    """Resettlement forms list the principal's household (and current members) to tick."""
    if hasattr(form, "set_family"):
        people = {m.id: m for m in beneficiaries.household_members(current_user, person)}
        for extra in beneficiaries.by_ids(current_user, member_ids):
            people.setdefault(extra.id, extra)
        form.set_family(list(people.values()))


def _kind_data(form) -> dict:
    data = form.kind_data()
    if hasattr(form, "more_members"):
        data["member_ids"] = list(
            dict.fromkeys(
                data["member_ids"]
                + beneficiaries.ids_by_registration(current_user, form.more_members.data)
            )
        )
    return data


def _assignees(office_code: str):
    if can(current_user, Permission.CASE_ASSIGN):
        return cases.assignable_users(current_user, office_code)
    return [current_user]


# --- the case page ---------------------------------------------------------------------


def case_page(case, status: int = 200, **forms):
    """Render the case page; `forms` replaces the blank form of the action that failed."""
    allowed = cases.allowed_transitions(current_user, case)
    transition_form = forms.get("transition_form") or TransitionForm(formdata=None)
    transition_form.to.choices = [(s, str(workflow.STATUSES[s])) for s in allowed]
    transition_form.version.data = case.version
    assign_form = forms.get("assign_form") or AssignForm(formdata=None)
    assign_form.assign_version.data = case.version
    if can(current_user, Permission.CASE_ASSIGN, case):
        assign_form.assigned_to.choices = [
            (u.id, u.username) for u in cases.assignable_users(current_user, case.office_code)
        ]
        assign_form.assigned_to.data = assign_form.assigned_to.data or case.assigned_to_id
    plan_form = forms.get("plan_form") or (_plan_form(case) if case.return_details else None)
    context = {
        "case": case,
        "details": case.return_details,
        "conflict_details": case.conflict_details,
        "restricted": kinds.is_sensitive(case) and not sees_sensitive(current_user, case),
        "referrals": referrals.for_case(current_user, case),
        "allowed": allowed,
        "transition_form": transition_form,
        "assign_form": assign_form,
        "note_form": forms.get("note_form") or NoteForm(formdata=None),
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(formdata=None),
        "plan_form": plan_form,
        "delivery_form": forms.get("delivery_form") or DeliveryForm(formdata=None),
        "visit_form": forms.get("visit_form") or VisitForm(formdata=None),
        "notes": cases.notes(current_user, case),
        "sees_confidential": sees_confidential(current_user, case),
        "follow_ups": cases.follow_ups(current_user, case),
        "history": cases.history(current_user, case),
        "budget": reintegration.budget(case) if case.return_details else None,
        "score_settings": settings.reintegration_settings(),
        "can_work": can(current_user, Permission.CASE_WORK, case)
        and workflow.is_open(case.kind, case.status),
        "stage_form": forms.get("stage_form") or _stage_form(case),
        "family": kinds.handler("resettlement").family(case) if case.resettlement_details else [],
        "plan_editable": case.status in reintegration.PLAN_EDITABLE
        and case.return_details is not None,
        "delivery_allowed": case.status in reintegration.DELIVERY_ALLOWED,
    }
    return render_template("cases/show.html", **context), status


def _stage_form(case) -> StageForm | None:
    """The current stage's form, filled with what it recorded so far."""
    details = case.resettlement_details
    if details is None:
        return None
    form = StageForm(formdata=None)
    record = details.record(case.status)
    if record is not None:
        form.recorded_on.data = record.recorded_on
        for name in ("result", "outcome", "permit_number", "booking_reference"):
            if name in record.details:
                getattr(form, name).data = record.details[name]
        if record.details.get("permit_date"):
            form.permit_date.data = date.fromisoformat(record.details["permit_date"])
        form.stage_notes.data = record.details.get("notes", "")
    return form


def _plan_form(case) -> PlanForm:
    form = PlanForm(formdata=None)
    details = case.return_details
    form.plan_goals.data = details.plan_goals
    while len(form.items.entries) < len(details.plan_items) + 1:
        form.items.append_entry()
    for entry, item in zip(form.items.entries, details.plan_items, strict=False):
        entry.form.assistance_type.data = item.assistance_type
        entry.form.description.data = item.description
        entry.form.budget_npr.data = item.budget_npr
    return form


@bp.get("/cases/<int:case_id>")
def show(case_id: int):
    return case_page(cases.get(current_user, case_id))


def _act(case, form_name: str, form, action, success: str):
    """Run one action of the case page: commit and redirect, or show the form's errors."""
    if form.validate_on_submit():
        try:
            action()
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("cases.show", case_id=case.id))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
        except StaleVersion as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = 409
        except CaseworkError as error:
            db.session.rollback()
            if error.status == 404:
                raise
            form.form_errors.append(error.message)
            status = error.status
    else:
        status = 422
    db.session.expire_all()
    return case_page(cases.get(current_user, case.id), status, **{form_name: form})


@bp.post("/cases/<int:case_id>/transition")
def transition(case_id: int):
    case = cases.get(current_user, case_id)
    form = TransitionForm()
    return _act(
        case,
        "transition_form",
        form,
        lambda: cases.transition(
            current_user,
            case,
            form.to.data,
            opened_version(form.version),
            form.comment.data or "",
            form.closure_reason.data or None,
        ),
        _("The case moved on."),
    )


@bp.post("/cases/<int:case_id>/assign")
def assign(case_id: int):
    case = cases.get(current_user, case_id)
    form = AssignForm()
    return _act(
        case,
        "assign_form",
        form,
        lambda: cases.assign(
            current_user,
            case,
            form.assigned_to.data,
            opened_version(form.assign_version),
            form.assign_comment.data or "",
        ),
        _("The case was assigned."),
    )


@bp.post("/cases/<int:case_id>/notes")
def add_note(case_id: int):
    case = cases.get(current_user, case_id)
    form = NoteForm()
    return _act(
        case,
        "note_form",
        form,
        lambda: cases.add_note(current_user, case, form.body.data, form.confidential.data),
        _("Note added."),
    )


@bp.post("/cases/<int:case_id>/follow-ups")
def add_follow_up(case_id: int):
    case = cases.get(current_user, case_id)
    form = FollowUpForm()
    return _act(
        case,
        "follow_up_form",
        form,
        lambda: cases.add_follow_up(current_user, case, form.title.data, form.due_date.data),
        _("Follow-up added."),
    )


@bp.post("/follow-ups/<int:follow_up_id>/done")
def follow_up_done(follow_up_id: int):
    follow_up = cases.complete_follow_up(current_user, follow_up_id)
    db.session.commit()
    flash(_("Marked as done."), "success")
    default = url_for("cases.show", case_id=follow_up.case_id)
    return redirect(safe_next(request.form.get("next"), default))


@bp.post("/cases/<int:case_id>/plan")
def save_plan(case_id: int):
    case = cases.get(current_user, case_id)
    form = PlanForm()
    return _act(
        case,
        "plan_form",
        form,
        lambda: reintegration.save_plan(
            current_user, case, form.plan_goals.data, form.items_data()
        ),
        _("Plan saved."),
    )


@bp.post("/cases/<int:case_id>/assistance")
def record_delivery(case_id: int):
    case = cases.get(current_user, case_id)
    form = DeliveryForm()
    data = {
        "assistance_type": form.assistance_type.data or None,
        "amount_npr": form.amount_npr.data,
        "delivered_on": form.delivered_on.data,
        "delivered_by": form.delivered_by.data or "",
        "notes": form.delivery_notes.data or "",
    }
    return _act(
        case,
        "delivery_form",
        form,
        lambda: reintegration.record_delivery(current_user, case, data),
        _("Assistance recorded."),
    )


@bp.post("/cases/<int:case_id>/visits")
def record_visit(case_id: int):
    case = cases.get(current_user, case_id)
    form = VisitForm()
    return _act(
        case,
        "visit_form",
        form,
        lambda: reintegration.record_visit(current_user, case, form.visit_data()),
        _("Monitoring visit recorded."),
    )


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
def edit(case_id: int):
    case = cases.get(current_user, case_id)
    require(current_user, Permission.CASE_WORK, case)
    edit_form = KIND_FORMS[case.kind][1]
    if request.method == "GET":
        form = edit_form(data=cases.kind_fields(case))
        form.version.data = case.version
    else:
        form = edit_form()
    form.prepare(reference.country_choices(), reference.district_choices())
    _offer_family(form, case.beneficiary, cases.kind_fields(case).get("member_ids", []))
    status = 200
    if form.validate_on_submit():
        try:
            cases.update(current_user, case, _kind_data(form), opened_version(form.version))
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("cases.show", case_id=case.id))
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
    return render_template("cases/edit.html", form=form, case=case), status


# --- my work, approvals, bulk reassignment ------------------------------------------------


@bp.get("/work/")
def my_work():
    user_id = request.args.get("user", type=int)
    summary = work_service.work(current_user, user_id)
    return render_template("cases/work.html", work=summary)


QUEUE_PAGE = 50  # items of the approvals queue per page


def _queue_page():
    """The page of the queue asked for, its items, and how many pages there are."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    items, total = approvals.queue(current_user, page, QUEUE_PAGE)
    return page, items, max((total + QUEUE_PAGE - 1) // QUEUE_PAGE, 1), total


@bp.get("/approvals/")
def approvals_queue():
    page, items, pages, total = _queue_page()
    return render_template(
        "cases/approvals.html",
        items=items,
        form=DecisionForm(formdata=None),
        page=page,
        pages=pages,
        total=total,
    )


@bp.post("/approvals/<int:approval_id>/decide")
def decide(approval_id: int):
    item = approvals.get(current_user, approval_id)
    form = DecisionForm()
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        raise BadRequest(_("Choose approve or reject."))
    approve = decision == "approve"
    status = 422
    if form.validate_on_submit():
        try:
            approvals.decide(current_user, item, approve=approve, comment=form.comment.data)
            db.session.commit()
            flash(_("Approved.") if approve else _("Rejected: the case went back."), "success")
            return redirect(url_for("cases.approvals_queue"))
        except CaseworkError as error:
            db.session.rollback()
            if error.status == 404:
                raise
            if isinstance(error, ValidationError):
                apply_errors(form, error)
            else:
                form.form_errors.append(error.message)
            status = error.status
    page, items, pages, total = _queue_page()
    return render_template(
        "cases/approvals.html",
        items=items,
        form=form,
        failed_id=item.id,
        page=page,
        pages=pages,
        total=total,
    ), status


@bp.route("/cases/reassign", methods=["GET", "POST"])
def reassign():
    require(current_user, Permission.CASE_ASSIGN)
    form = ReassignForm()
    staff = cases.office_staff(current_user)
    form.from_user.choices = [("", "—")] + [(u.id, _label_user(u)) for u in staff]
    form.to_user.choices = [("", "—")] + [
        (u.id, _label_user(u))
        for u in cases.assignable_users(current_user, current_user.office_code)
    ]
    status = 200
    if form.validate_on_submit():
        try:
            moved = cases.reassign_all(
                current_user, form.from_user.data, form.to_user.data, form.comment.data or ""
            )
            db.session.commit()
            flash(_("%(n)d open cases were reassigned.", n=moved), "success")
            return redirect(url_for("cases.my_work"))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
    return render_template("cases/reassign.html", form=form), status


def _label_user(user) -> str:
    state = "" if user.active else f" ({_('deactivated')})"
    return f"{user.username} — {codes.ROLES[user.role]}{state}"
