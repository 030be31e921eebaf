"""Resettlement pages: record a stage, departure batches (manifests), the pipeline board."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.permissions import Permission, can, require
from casework.blueprints.cases.forms import BatchForm, PipelineFilterForm, StageForm
from casework.blueprints.cases.views import case_page
from casework.blueprints.forms_common import apply_errors
from casework.domain import resettlement as rules
from casework.errors import CaseworkError, ValidationError
from casework.extensions import db
from casework.services import cases, kinds, reference
from casework.services import resettlement as service

bp = Blueprint("resettlement", __name__, url_prefix="/resettlement")


def _stage_data(form: StageForm) -> dict:
    """The stage form's values, with per-member results read from `health-<id>`/`attended`."""
    members = {
        key.removeprefix("health-"): value
        for key, value in request.form.items()
        if key.startswith("health-") and value
    }
    return {
        "recorded_on": form.recorded_on.data,
        "result": form.result.data or None,
        "outcome": form.outcome.data or None,
        "permit_number": form.permit_number.data or "",
        "permit_date": form.permit_date.data,
        "booking_reference": form.booking_reference.data or "",
        "notes": form.stage_notes.data or "",
        "members": members,
        "attended": request.form.getlist("attended"),
    }


@bp.post("/cases/<int:case_id>/stage")
def record_stage(case_id: int):
    case = cases.get(current_user, case_id)
    form = StageForm()
    if form.validate_on_submit():
        try:
            service.record_stage(current_user, case, _stage_data(form))
            db.session.commit()
            flash(_("Stage recorded."), "success")
            return redirect(url_for("cases.show", case_id=case.id) + "#resettlement")
        except CaseworkError as error:
            db.session.rollback()
            if error.status == 404:
                raise
            if isinstance(error, ValidationError):
                apply_errors(form, error)
                form.form_errors.extend(
                    m
                    for name, msgs in error.fields.items()
                    if name in ("members", "attended")
                    for m in msgs
                )
            else:
                form.form_errors.append(error.message)
            db.session.expire_all()
            return case_page(cases.get(current_user, case_id), error.status, stage_form=form)
    return case_page(case, 422, stage_form=form)


@bp.route("/batches", methods=["GET", "POST"])
def batches():
    require(current_user, Permission.CASE_VIEW)
    form = BatchForm()
    bookable = (
        service.bookable_cases(current_user) if can(current_user, Permission.CASE_WORK) else []
    )
    form.case_ids.choices = [
        (c.id, f"{c.case_number} · {c.beneficiary.full_name}") for c in bookable
    ]
    status = 200
    if form.validate_on_submit():
        require(current_user, Permission.CASE_WORK)
        data = {
            "departure_date": form.departure_date.data,
            "flight": form.flight.data or "",
            "origin": form.origin.data or "",
            "destination": form.destination.data or "",
            "case_ids": form.case_ids.data or [],
        }
        try:
            batch = service.create_batch(current_user, data)
            db.session.commit()
            flash(
                _(
                    "Flight %(flight)s planned. Check the manifest, then confirm the departure.",
                    flight=batch.flight,
                ),
                "success",
            )
            return redirect(url_for("resettlement.batch", batch_id=batch.id))
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "resettlement/batches.html", form=form, batches=service.batches(current_user)
    ), status


def _manifest(batch) -> list[dict]:
    family_of = kinds.handler("resettlement").family
    rows = []
    for case in batch.cases:
        for person in family_of(case):
            rows.append(
                {
                    "case": case,
                    "person": person,
                    "age": rules.age_on(person.date_of_birth, batch.departure_date),
                    "special_needs": case.resettlement_details.special_needs,
                }
            )
    return rows


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int):
    found = service.get_batch(current_user, batch_id)
    return render_template(
        "resettlement/batch.html",
        batch=found,
        manifest=_manifest(found),
        problems=service.ineligible(found.cases, found.id) if found.confirmed_at is None else [],
    )


@bp.post("/batches/<int:batch_id>/confirm")
def confirm(batch_id: int):
    found = service.get_batch(current_user, batch_id)
    try:
        service.confirm(current_user, found)
        db.session.commit()
        flash(_("Departure confirmed: every case on the flight has departed."), "success")
    except ValidationError as error:
        db.session.rollback()
        for messages in error.fields.values():
            for message in messages:
                flash(message, "danger")
        return redirect(url_for("resettlement.batch", batch_id=batch_id)), 303
    return redirect(url_for("resettlement.batch", batch_id=batch_id))


@bp.get("/pipeline")
def pipeline():
    require(current_user, Permission.CASE_VIEW)
    camp = request.args.get("camp") if request.args.get("camp") in rules.CAMPS else None
    destination = (request.args.get("destination") or "").upper() or None
    period = PipelineFilterForm(request.args)
    period.validate()
    board = service.pipeline(
        current_user, camp, destination, period.day("start"), period.day("end")
    )
    countries = dict(reference.country_choices())
    return render_template(
        "resettlement/pipeline.html",
        board=board,
        stages=rules.STAGES,
        countries=countries,
        period=period,
    )
