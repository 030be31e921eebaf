from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=256)])


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[Length(max=80)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post."""


class CodeForm(FlaskForm):
    """The second step of signing in, and the confirmation of an enrolment."""

    code = StringField(
        _l("Code from the authenticator app, or a recovery code"),
        validators=[InputRequired(), Length(max=64)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(), Length(max=256)]
    )
    password = PasswordField(_l("New password (at least 12 characters)"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", _l("The passwords differ."))],
    )


class PasswordConfirmForm(FlaskForm):
    """A button that needs the user's password (turning two-factor off)."""

    password = PasswordField(_l("Your password"), validators=[InputRequired(), Length(max=256)])
