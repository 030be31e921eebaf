"""Sign in (password, then the steps of casework.auth.sign_in_steps) and out, and the
signed-in user's own account: password, two-factor, API tokens."""

from __future__ import annotations

import io
import time

import segno
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from casework.auth import sign_in_steps
from casework.auth.login import carry_language_over, shown_language
from casework.auth.permissions import two_factor_required
from casework.blueprints.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    EmptyForm,
    LoginForm,
    PasswordConfirmForm,
    PreferencesForm,
    TokenForm,
)
from casework.blueprints.forms_common import apply_errors, safe_next
from casework.errors import ValidationError
from casework.extensions import db
from casework.services import accounts, two_factor

bp = Blueprint("auth", __name__, url_prefix="/auth")
bp.before_app_request(sign_in_steps.guard)

_NEXT = "next_after_sign_in"


def refused_message() -> str:
    # One message for an unknown username, a wrong password or code, and a locked account
    # or address: the page must not tell which accounts exist or which are locked.
    return _("Wrong username or password, or the account is locked for a while.")


def _address() -> str:
    return request.remote_addr or ""


def _continue_sign_in():
    """Redirect to the next step of signing in, or to where the user was going."""
    step = sign_in_steps.next_step(current_user)
    if step is not None:
        return redirect(url_for(step))
    return redirect(safe_next(session.pop(_NEXT, None), url_for("main.index")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if sign_in_steps.is_fully_signed_in(current_user):
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(form.username.data, form.password.data, _address())
        db.session.commit()  # the audit events and counters of a failed attempt are kept too
        if result.user is not None:
            sign_in_steps.forget()
            login_user(result.user)
            session[_NEXT] = safe_next(request.args.get("next"), url_for("main.index"))
            return _continue_sign_in()
        time.sleep(result.delay)  # repeated failures answer more and more slowly
        flash(refused_message(), "danger")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


def _end_session() -> None:
    language = shown_language()
    sign_in_steps.forget()
    session.pop(_NEXT, None)
    logout_user()
    carry_language_over(language)


@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
def two_factor_step():
    """The second step: a code from the app, or one of the recovery codes."""
    if sign_in_steps.next_step(current_user) != sign_in_steps.TWO_FACTOR:
        return _continue_sign_in()
    form = CodeForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("auth/two_factor.html", form=form), status
    outcome = accounts.second_step(current_user, form.code.data, _address())
    db.session.commit()
    if outcome.ok:
        sign_in_steps.mark_second_factor_done(current_user)
        return _continue_sign_in()
    if outcome.locked:
        _end_session()
        flash(refused_message(), "danger")
        return redirect(url_for("auth.login"))
    form.code.errors = [_("This code is not valid (or was used already). Try the next one.")]
    return render_template("auth/two_factor.html", form=form), 422


@bp.route("/two-factor/enrol", methods=["GET", "POST"])
def enrol_two_factor():
    """Set up an authenticator app: scan the QR code (or type the secret), confirm a code."""
    if current_user.has_two_factor:
        flash(_("Two-factor sign-in is already set up."), "info")
        return redirect(url_for("auth.account"))
    secret = two_factor.pending_secret(current_user)
    db.session.commit()  # the same secret on every visit until it is confirmed
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        signing_in = sign_in_steps.next_step(current_user) == sign_in_steps.ENROL
        codes = two_factor.confirm_enrolment(current_user, form.code.data)
        if codes is not None:
            if signing_in:  # enrolment was the step left: the user is now signed in
                accounts.record_sign_in(current_user, "totp")
            db.session.commit()
            sign_in_steps.mark_second_factor_done(current_user)
            return _recovery_codes_page(codes, continue_url=_after_enrolment_url())
        form.code.errors = [_("This code is not valid. Check the phone's clock and try again.")]
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "auth/enrol.html",
        form=form,
        secret=secret,
        uri=two_factor.provisioning_uri(current_user, secret),
        required=two_factor_required(current_user),
    ), status


def _after_enrolment_url() -> str:
    step = sign_in_steps.next_step(current_user)
    return url_for(step) if step else safe_next(session.pop(_NEXT, None), url_for("main.index"))


def _recovery_codes_page(codes: list[str], continue_url: str):
    response = render_template(
        "auth/recovery_codes.html", recovery_codes=codes, continue_url=continue_url
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/two-factor/qr.svg")
def two_factor_qr():
    """The QR code of the unfinished enrolment's otpauth URI, drawn as SVG (no script)."""
    secret = None if current_user.has_two_factor else two_factor.unseal(current_user.totp_secret)
    if secret is None:
        abort(404)
    buffer = io.BytesIO()
    segno.make(two_factor.provisioning_uri(current_user, secret), error="m").save(
        buffer, kind="svg", scale=5, border=2, title=_("QR code for the authenticator app")
    )
    return buffer.getvalue(), 200, {"Content-Type": "image/svg+xml", "Cache-Control": "no-store"}


@bp.post("/two-factor/recovery-codes")
def regenerate_recovery_codes():
    if not EmptyForm().validate_on_submit() or not current_user.has_two_factor:
        return redirect(url_for("auth.account"))
    codes = two_factor.regenerate_recovery_codes(current_user)
    db.session.commit()
    return _recovery_codes_page(codes, continue_url=url_for("auth.account"))


@bp.post("/two-factor/disable")
def disable_two_factor():
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.disable_own_two_factor(current_user, form.password.data)
            db.session.commit()
            flash(_("Two-factor sign-in is off."), "info")
        except ValidationError as error:
            db.session.rollback()
            flash(" ".join(error.fields.get("password", [error.message])), "danger")
    return redirect(url_for("auth.account"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change one's own password; also the step forced after an admin set it."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.change_own_password(
                current_user, form.current_password.data, form.password.data or ""
            )
            db.session.commit()
            sign_in_steps.continue_under_new_epoch(current_user)
            flash(_("Your password was changed; your other sessions are signed out."), "success")
            return _continue_sign_in()
        except ValidationError as error:
            db.session.rollback()
            apply_errors(form, error)
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "auth/change_password.html", form=form, required=current_user.must_change_password
    ), status


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        accounts.record_logout(current_user)
        db.session.commit()
        _end_session()
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
    return _account_page(form, new_token=new_token)


@bp.post("/preferences")
def preferences():
    """Save the language, calendar and digits; the language applies from this response on."""
    form = PreferencesForm()
    if not form.validate_on_submit():
        return _account_page(preferences_form=form), 422
    choice = accounts.PreferencesInput(form.language.data, form.calendar.data, form.digits.data)
    try:
        accounts.save_own_preferences(current_user, choice)
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return _account_page(preferences_form=form), 422
    db.session.commit()
    # The session's language wins over the profile (casework.i18n): set it to the choice,
    # or a switch made earlier in this session would hide the new preference.
    session["lang"] = choice.language
    with force_locale(choice.language):
        flash(_("Your language and date preferences are saved."), "success")
    return redirect(url_for("auth.account"))


def _account_page(token_form=None, new_token=None, preferences_form=None):
    return render_template(
        "auth/account.html",
        form=token_form if token_form is not None else TokenForm(formdata=None),
        preferences_form=preferences_form
        if preferences_form is not None
        else PreferencesForm(formdata=None, obj=current_user),
        new_token=new_token,
        tokens=accounts.tokens_of(current_user, current_user),
        revoke_form=EmptyForm(),
        disable_form=PasswordConfirmForm(formdata=None),
        two_factor_required=two_factor_required(current_user),
        recovery_codes_left=two_factor.unused_recovery_codes(current_user),
    )


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        accounts.revoke_token(current_user, token_id)
        db.session.commit()
        flash(_("The token was revoked; it no longer works."), "info")
    return redirect(url_for("auth.account"))
