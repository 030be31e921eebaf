from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import EqualTo, Optional

from casework.blueprints.auth.forms import LANGUAGE_CHOICES
from casework.blueprints.form_base import FlaskForm
from casework.blueprints.forms_common import CalendarDateField
from casework.domain import codes


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"))
    full_name = StringField(_l("Full name"))
    role = SelectField(_l("Role"), choices=codes.choices(codes.ROLES), validate_choice=False)
    office_code = SelectField(_l("Office"), choices=[], validate_choice=False)
    # Only at creation: afterwards the language is the user's own choice (their account page).
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validate_choice=False)
    password = PasswordField(_l("Password (at least 12 characters)"))
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", _l("The passwords differ."))]
    )


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Full name"))
    role = SelectField(_l("Role"), choices=codes.choices(codes.ROLES), validate_choice=False)
    office_code = SelectField(_l("Office"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active (may sign in)"))
    version = HiddenField()


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password (at least 12 characters)"))
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", _l("The passwords differ."))]
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    username = StringField(_l("User"))
    object_type = StringField(_l("Record type"))
    object_id = StringField(_l("Record id"))
    action = StringField(_l("Action"))
    date_from = CalendarDateField(_l("From"), validators=[Optional()])
    date_to = CalendarDateField(_l("To"), validators=[Optional()])


class RetentionYearsForm(FlaskForm):
    retention_years = IntegerField(_l("Retention period (years after the last case closed)"))


class RetentionApplyForm(FlaskForm):
    confirm = BooleanField(
        _l(
            "I understand that anonymising cannot be undone: names, contacts, documents and notes are removed for good."
        )
    )


class SubjectAccessForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: it changes nothing

    registration_number = StringField(_l("Registration number"))
