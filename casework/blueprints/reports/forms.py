"""The report builder (a GET form: a report is a bookmarkable address) and saving it."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from casework.blueprints.form_base import FlaskForm, Form
from casework.blueprints.forms_common import (
    CALENDAR_CHOICES,
    DIGIT_CHOICES,
    CalendarDateField,
)
from casework.domain import periods, workflow
from casework.domain.calendar import latin_digits
from casework.i18n import LANGUAGE_NAMES, Preferences
from casework.reports.aggregate import DIMENSIONS, MAX_DIMENSIONS, SUBJECTS

# The words of the account page's preferences (casework.blueprints.auth.forms), so a
# choice reads the same in both places and is translated once.


def fiscal_year_choices(today: date | None = None, write=latin_digits) -> list[tuple[str, str]]:
    """The current fiscal year and the ten before it, newest first (shown with `write`'s
    digits; the value stays in Latin digits)."""
    current = int(periods.fiscal_year_of(today or periods.nepal_today())[:4])
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(current, current - 11, -1)]
    return [("", "—")] + [(fy, write(fy)) for fy in years]


class ReportForm(Form):
    """Read from the query string, so a report can be bookmarked, shared and downloaded."""

    subject = SelectField(_l("Count"), choices=list(SUBJECTS.items()), default="beneficiaries")
    dim1 = SelectField(_l("Group by"), validate_choice=False)
    dim2 = SelectField(_l("then by"), validate_choice=False)
    dim3 = SelectField(_l("then by"), validate_choice=False)
    kind = SelectField(_l("Kind of case"), validate_choice=False)
    office = SelectField(_l("Office"), validate_choice=False)
    fiscal_year = SelectField(_l("Fiscal year (BS)"), validate_choice=False)
    start = CalendarDateField(_l("From"), validators=[Optional()])
    end = CalendarDateField(_l("To"), validators=[Optional()])
    # How the report is written (page and files); the defaults are the user's own
    # language, calendar and digits (casework.reports.presentation.choose).
    language = SelectField(_l("Language of the report"), choices=list(LANGUAGE_NAMES.items()))
    calendar = SelectField(_l("Dates in"), choices=CALENDAR_CHOICES)
    digits = SelectField(_l("Digits"), choices=DIGIT_CHOICES)

    def style(self) -> Preferences:
        return Preferences(self.language.data, self.calendar.data, self.digits.data)

    def set_choices(self, offices, write=latin_digits) -> None:
        dimensions = [("", "—")] + [(code, d.label) for code, d in DIMENSIONS.items()]
        for name in self.dimension_fields():
            getattr(self, name).choices = dimensions
        self.kind.choices = [("", _l("All kinds"))] + list(workflow.KINDS.items())
        self.office.choices = [("", _l("All offices"))] + [(o.code, o.name) for o in offices]
        self.fiscal_year.choices = fiscal_year_choices(write=write)

    @staticmethod
    def dimension_fields() -> list[str]:
        return [f"dim{i}" for i in range(1, MAX_DIMENSIONS + 1)]

    def group_by(self) -> list[str]:
        return [getattr(self, n).data for n in self.dimension_fields() if getattr(self, n).data]


class SaveReportForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional()])


def builder_args(definition: dict, new_period: dict[str, str]) -> dict[str, str]:
    """The builder's query string for a saved definition, for a new period if one is
    given (fiscal_year, start, end), else for the period it was saved with."""
    args = {
        "subject": definition["subject"],
        "kind": definition.get("kind") or "",
        "office": definition.get("office") or "",
    }
    args.update(zip(ReportForm.dimension_fields(), definition["group_by"], strict=False))
    if any(new_period.values()):
        args.update(new_period)
    else:
        own = definition.get("period") or {}
        fiscal_year = own.get("fiscal_year") or ""
        args.update(
            fiscal_year=fiscal_year,
            start="" if fiscal_year else own.get("from") or "",
            end="" if fiscal_year else own.get("to") or "",
        )
        for name in ("start", "end"):
            if args[name]:  # stored in AD: said so, or a BS user's field would read BS
                args[f"{name}-calendar"] = "ad"
    return {name: value for name, value in args.items() if value}
