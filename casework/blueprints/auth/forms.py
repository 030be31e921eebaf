from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from casework.blueprints.form_base import FlaskForm
from casework.blueprints.forms_common import CALENDAR_CHOICES, DIGIT_CHOICES
from casework.i18n import LANGUAGE_NAMES


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


LANGUAGE_CHOICES = list(LANGUAGE_NAMES.items())


class PreferencesForm(FlaskForm):
    """Language, calendar and digits. The choices are checked by the service (named field
    errors), not here, as for the other account forms."""

    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validate_choice=False)
    calendar = SelectField(
        _l("Calendar for dates"),
        choices=CALENDAR_CHOICES,
        validate_choice=False,
    )
    digits = SelectField(
        _l("Digits"),
        choices=DIGIT_CHOICES,
        validate_choice=False,
    )
