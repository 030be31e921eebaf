"""Referral pages (new, view, actions, slip) and the provider directory."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, can, require
from casework.blueprints.forms_common import apply_errors, opened_version
from casework.blueprints.referrals.forms import (
    ActionForm,
    ProviderForm,
    ProviderSearchForm,
    ReferralForm,
)
from casework.domain import workflow
from casework.errors import CaseworkError, ValidationError
from casework.extensions import db
from casework.services import cases, providers, reference, referrals

bp = Blueprint("referrals", __name__)

# The actions a caseworker takes on the referral page (approval is the queue's).
PAGE_ACTIONS = ("submit", "send", "accept", "decline", "complete", "cancel")


# --- referrals ---------------------------------------------------------------------------


def _provider_choices(service: str | None, district_id: int | None):
    found, _total = providers.search(
        current_user,
        providers.ProviderFilters(service=service or None, district_id=district_id, per_page=100),
    )
    return [("", "—")] + [(p.id, p.name) for p in found]


@bp.route("/cases/<int:case_id>/referrals/new", methods=["GET", "POST"])
def new(case_id: int):
    case = cases.get(current_user, case_id)
    require(current_user, Permission.CASE_WORK, case)
    form = ReferralForm()
    district_id = request.args.get("district_id", type=int) or case.beneficiary.district_id
    if request.args.get("all_districts") == "1":
        district_id = None
    service = form.service.data or request.args.get("service") or None
    form.provider_id.choices = _provider_choices(service, district_id)
    if request.method == "GET" and service:
        form.service.data = service
    status = 200
    if form.validate_on_submit():
        data = {
            "service": form.service.data or None,
            "provider_id": form.provider_id.data,
            "urgency": form.urgency.data,
            "reason": form.reason.data or "",
            "consent_obtained": form.consent_obtained.data,
        }
        try:
            referral = referrals.create(current_user, case, data)
            db.session.commit()
            flash(_("Referral drafted. Submit it for approval when it is ready."), "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "referrals/new.html",
        form=form,
        case=case,
        district_id=district_id,
        districts=reference.district_choices(),
        service=service,
    ), status


def _page(referral, form=None, status=200):
    actions = [a for a in workflow.referral_actions(referral.status) if a in PAGE_ACTIONS]
    if not can(current_user, Permission.CASE_WORK, referral.case):
        actions = []
    action_form = form or ActionForm(formdata=None)
    action_form.version.data = referral.version
    return render_template(
        "referrals/show.html",
        referral=referral,
        actions=actions,
        form=action_form,
        consent_on_record=referrals.consent_on_record(referral),
        slip_ready=referral.sent_at is not None,
    ), status


@bp.get("/referrals/<int:referral_id>")
def show(referral_id: int):
    return _page(referrals.get(current_user, referral_id))


@bp.post("/referrals/<int:referral_id>/<action>")
def act(referral_id: int, action: str):
    if action not in PAGE_ACTIONS:
        abort(404)
    referral = referrals.get(current_user, referral_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _page(referral, form, 422)
    # No version sent means "act on what is there now" (the API contract makes it optional).
    version = opened_version(form.version, missing=None)
    try:
        _run(action, referral, form, version)
        db.session.commit()
    except CaseworkError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        if isinstance(error, ValidationError):
            apply_errors(form, error)
            if not any(f.errors for f in form):
                form.form_errors.extend(m for msgs in error.fields.values() for m in msgs)
        else:
            form.form_errors.append(error.message)
        db.session.expire_all()
        return _page(referrals.get(current_user, referral_id), form, error.status)
    flash(_("Done."), "success")
    if action == "send":
        return redirect(url_for("referrals.slip", referral_id=referral.id))
    return redirect(url_for("referrals.show", referral_id=referral.id))


def _run(action: str, referral, form: ActionForm, version: int | None) -> None:
    if action == "submit":
        referrals.submit(current_user, referral, version)
    elif action == "send":
        referrals.send(current_user, referral, version)
    elif action in ("accept", "decline"):
        referrals.respond(current_user, referral, action == "accept", form.note.data or "", version)
    elif action == "complete":
        referrals.complete(current_user, referral, form.outcome.data or "", version)
    else:
        referrals.cancel(current_user, referral, form.reason.data or "", version)


@bp.get("/referrals/<int:referral_id>/slip")
def slip(referral_id: int):
    """The printable slip: only what the provider needs (recorded when it was sent)."""
    referral = referrals.get(current_user, referral_id)
    if referral.sent_at is None:
        abort(404)
    return render_template(
        "referrals/slip.html", referral=referral, slip=referrals.slip(current_user, referral)
    )


# --- the provider directory ----------------------------------------------------------------


@bp.get("/providers/")
def directory():
    """Providers by service and district served, for caseworkers and admins."""
    form = ProviderSearchForm(request.args)
    form.district_id.choices = [("", "—")] + reference.district_choices()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    include_inactive = can(current_user, Permission.PROVIDER_MANAGE)
    items, total = providers.search(
        current_user,
        providers.ProviderFilters(
            q=form.q.data or "",
            service=form.service.data or None,
            district_id=form.district_id.data,
            include_inactive=include_inactive,
            page=page,
        ),
    )
    pages = max((total + 24) // 25, 1)
    names = dict(reference.district_choices())
    return render_template(
        "referrals/providers.html",
        form=form,
        items=items,
        total=total,
        page=page,
        pages=pages,
        district_names=names,
    )


def _provider_form(form: ProviderForm) -> ProviderForm:
    form.district_ids.choices = reference.district_choices()
    return form


@bp.route("/admin/providers/new", methods=["GET", "POST"])
def new_provider():
    require(current_user, Permission.PROVIDER_MANAGE)
    form = _provider_form(ProviderForm())
    status = 200
    if form.validate_on_submit():
        try:
            provider = providers.create(current_user, form.provider_data())
            db.session.commit()
            flash(_("Added %(name)s to the directory.", name=provider.name), "success")
            return redirect(url_for("referrals.directory"))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("referrals/provider_form.html", form=form, provider=None), status


@bp.route("/admin/providers/<int:provider_id>", methods=["GET", "POST"])
def edit_provider(provider_id: int):
    require(current_user, Permission.PROVIDER_MANAGE)
    provider = providers.get(current_user, provider_id)
    if request.method == "GET":
        form = ProviderForm(data=providers.snapshot(provider))
        form.version.data = provider.version
    else:
        form = ProviderForm()
    _provider_form(form)
    status = 200
    if form.validate_on_submit():
        version = opened_version(form.version)
        try:
            providers.update(current_user, provider, form.provider_data(), version)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("referrals.directory"))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
        except CaseworkError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = error.status
    elif request.method == "POST":
        status = 422
    return render_template("referrals/provider_form.html", form=form, provider=provider), status
