"""Home page, health check, language switch and reference look-ups for forms."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, session
from flask_login import current_user
from sqlalchemy import text

from casework.auth.permissions import Permission, require
from casework.domain import bs_months as bs_month_table
from casework.domain.periods import nepal_today
from casework.extensions import db
from casework.services import dashboard, reference, settings

bp = Blueprint("main", __name__)


@bp.before_app_request
def remember_language() -> None:
    lang = request.args.get("lang")
    # The API keeps no session: its ?lang= answers that one request.
    if lang in current_app.config["LANGUAGES"] and not request.path.startswith("/api/"):
        session["lang"] = lang


@bp.get("/")
def index():
    """Each role's picture of the work (casework.services.dashboard)."""
    return render_template(
        "main/index.html",
        user=current_user,
        board=dashboard.for_user(current_user),
        threshold=settings.suppression_threshold(),
        today=nepal_today(),
    )


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.get("/reference/local-levels")
def local_levels():
    """Local levels of one district, for the address fields of the forms: `name` is the
    one to show (the interface's script), sorted by it as the form's own select is."""
    require(current_user, Permission.REFERENCE_VIEW)
    district_id = request.args.get("district_id", type=int)
    levels = reference.local_levels_shown(district_id) if district_id else []
    return jsonify(
        {
            "items": [
                {
                    "id": level.id,
                    "name": name,
                    "name_en": level.name_en,
                    "name_ne": level.name_ne,
                    "wards": level.wards,
                }
                for level, name in levels
            ]
        }
    )


@bp.get("/calendar/bs-months.json")
def bs_months():
    """The BS month table for the date picker (no personal data: browsers may keep it)."""
    response = jsonify(bs_month_table.picker_data())
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
