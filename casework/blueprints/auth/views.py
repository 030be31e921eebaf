"""Sign in and out, and the signed-in user's own account and API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from casework.blueprints.auth.forms import EmptyForm, LoginForm, TokenForm
from casework.blueprints.forms_common import safe_next
from casework.extensions import db
from casework.services import accounts

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        db.session.commit()  # the audit event of a failed attempt is kept too
        if user is not None:
            login_user(user)  # Flask-Login regenerates the session identifier
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
        flash(_("Wrong username or password."), "danger")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        accounts.record_logout(current_user)
        db.session.commit()
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = accounts.create_token(current_user, current_user, form.name.data)
        db.session.commit()
        form = TokenForm(formdata=None)
    return render_template(
        "auth/account.html",
        form=form,
        new_token=new_token,
        tokens=accounts.tokens_of(current_user, current_user),
        revoke_form=EmptyForm(),
    )


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        accounts.revoke_token(current_user, token_id)
        db.session.commit()
        flash(_("The token was revoked; it no longer works."), "info")
    return redirect(url_for("auth.account"))
