"""The export forms: which columns, which records, which format, and an optional password.

The forms only parse what the browser sends; the rules (known columns, the office a user
may export, dates in order, the password's length) are the export service's, so the page
and the API agree. Only the repeated password is the form's own concern.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Optional

from casework.blueprints.form_base import FlaskForm
from casework.blueprints.forms_common import (
    CalendarDateField,
    MultiCheckboxField,
    OptionalIntSelectField,
)
from casework.domain import codes, workflow
from casework.i18n import LANGUAGE_NAMES
from casework.reports import exports


def _choices(table: dict) -> list[tuple[str, str]]:
    return [("", "—")] + codes.choices(table)


class ExportForm(FlaskForm):
    columns = MultiCheckboxField(_l("Columns"), choices=[], validate_choice=False)
    office = SelectField(_l("Office"), choices=[], validate_choice=False)
    date_from = CalendarDateField(_l("From"), validators=[Optional()])
    date_to = CalendarDateField(_l("To"), validators=[Optional()])
    format = SelectField(_l("Format"), choices=list(exports.FORMATS.items()), validate_choice=False)
    # How the file reads (casework.reports.exports, Reading): the defaults are the user's.
    language = SelectField(_l("Language of the file"), choices=list(LANGUAGE_NAMES.items()))
    calendar = SelectField(
        _l("Dates"),
        choices=[("ad", _l("AD")), ("both", _l("AD, each with its BS date beside it"))],
    )
    password = PasswordField(
        _l(
            "Password for an encrypted ZIP (optional, at least %(n)d characters)",
            n=exports.MIN_PASSWORD,
        )
    )
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", _l("The passwords differ."))]
    )

    # The fields of this form that are the dataset's own filters (ExportFilters names).
    filter_fields: tuple[str, ...] = ()

    def set_choices(self, dataset, offices: list[str], everyone: bool) -> None:
        self.columns.choices = [(c.key, c.label) for c in dataset.columns]
        all_offices = [("", _l("All offices"))] if everyone else []
        self.office.choices = all_offices + [(code, code) for code in offices]

    def filters(self) -> exports.ExportFilters:
        values = {name: self[name].data for name in self.filter_fields}
        return exports.ExportFilters(
            office=self.office.data or None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            **{k: (v if v != "" else None) for k, v in values.items()},
        )


class BeneficiaryExportForm(ExportForm):
    q = StringField(_l("Name, registration number or phone"))
    district_id = OptionalIntSelectField(_l("District"), choices=[], validate_choice=False)
    sex = SelectField(_l("Sex"), choices=_choices(codes.SEX), validate_choice=False)
    filter_fields = ("q", "district_id", "sex")

    def filters(self) -> exports.ExportFilters:
        found = super().filters()
        found.q = found.q or ""
        return found


class CaseExportForm(ExportForm):
    kind = SelectField(_l("Kind"), choices=_choices(workflow.KINDS), validate_choice=False)
    status = SelectField(_l("Status"), choices=_choices(workflow.STATUSES), validate_choice=False)
    open_only = BooleanField(_l("Open cases only"))
    assigned_to = SelectField(_l("Assigned to"), choices=[], validate_choice=False)
    filter_fields = ("kind", "status", "open_only", "assigned_to")


class ReferralExportForm(ExportForm):
    status = SelectField(
        _l("Status"), choices=_choices(workflow.REFERRAL_STATUSES), validate_choice=False
    )
    service = SelectField(_l("Service"), choices=_choices(codes.SERVICES), validate_choice=False)
    filter_fields = ("status", "service")


FORMS = {
    "beneficiaries": BeneficiaryExportForm,
    "cases": CaseExportForm,
    "referrals": ReferralExportForm,
}
