"""Form pieces shared by blueprints: multi-checkboxes, optional selects, dates in the
user's calendar, error mapping."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DecimalField, Field, SelectField, SelectMultipleField, widgets
from wtforms.utils import unset_value
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from casework.domain.calendar import (
    DATE_TEXT,
    CalendarRangeError,
    bs_iso,
    devanagari_digits,
    latin_digits,
    parse_bs,
)
from casework.errors import ValidationError
from casework.i18n import Preferences, preferences


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class FiniteDecimalField(DecimalField):
    """A decimal that refuses NaN and Infinity ("NaN" parses as a Decimal, then breaks maths)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))

    def pre_validate(self, form) -> None:
        typed = bool(self.raw_data and str(self.raw_data[0]).strip())
        if self.process_errors and typed:
            raise StopValidation()  # one message for unreadable input, not a range error too


def optional_int(value) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class OptionalIntSelectField(SelectField):
    """A select whose empty option means None and whose values are ints."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        super().__init__(*args, **kwargs)


def apply_errors(form: FlaskForm, error: ValidationError) -> None:
    """Put a service's field errors on the form; unknown fields go to form.form_errors."""
    for name, messages in error.fields.items():
        field = _find_field(form, name)
        if field is None:
            form.form_errors.extend(f"{name}: {m}" for m in messages)
        else:
            field.errors = list(field.errors or []) + list(messages)
            # form.errors was computed at validation and misses errors on nested fields
            # (documents, plan items): the page's summary reads this flag too.
            form.service_field_errors = True


def _find_field(form, dotted: str):
    target = form
    for part in dotted.split("."):
        if part.isdigit():
            entries = getattr(target, "entries", [])
            index = int(part)
            target = entries[index] if index < len(entries) else None
            target = getattr(target, "form", target)
        else:
            target = getattr(target, part, None) if target is not None else None
        if target is None:
            return None
    return target if hasattr(target, "errors") else None


def safe_next(target: str | None, default: str) -> str:
    """Redirect only to a path on this site (no open redirect, no "//host" or "/\\host")."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not urlsplit(target).netloc
    ):
        return target
    return default


def opened_version(field, missing: int | None = -1) -> int | None:
    """The record version a form was opened on (its hidden field). A missing or garbled
    value gives `missing`: -1 makes the save stale (409) rather than silently applied."""
    value = str(field.data or "")
    return int(value) if value.isdigit() else missing


# --- Dates in the user's calendar (AD or Bikram Sambat) ---------------------------------

# The browser's own check of a typed date (Latin or Devanagari digits); the server checks
# again. Escaped for the `v` flag browsers compile the pattern attribute with.
_DATE_PATTERN = r"[0-9०-९]{4}[\-\/.][0-9०-९]{1,2}[\-\/.][0-9०-९]{1,2}"


def _preferred_calendars() -> tuple[str, str, str]:
    """The user's display calendar, the calendar they type dates in, and their digits."""
    prefs = preferences() if has_request_context() else Preferences()
    return prefs.calendar, ("ad" if prefs.calendar == "ad" else "bs"), prefs.digits


# How a user chooses their calendar and digits, in the same words on the account page and
# on the report builder (translated once).
CALENDAR_CHOICES = [
    ("ad", _l("AD (Gregorian)")),
    ("bs", _l("BS (Bikram Sambat)")),
    ("both", _l("Both, BS and AD")),
]
DIGIT_CHOICES = [("latin", _l("Latin: 0 1 2 3")), ("devanagari", _l("Devanagari: ० १ २ ३"))]


class CalendarDateInput:
    """The input of a CalendarDateField: `type=date` for AD, text with the BS picker for BS.

    A user whose calendar is `both` also gets a small AD/BS select next to the input
    (`<name>-calendar`), so the calendar of what is typed is always visible and chosen;
    so does a BS user looking at a date the BS calendar cannot show (it is shown in AD).
    A `type` given by the template is ignored: the calendar decides it.
    """

    def __call__(self, field, **kwargs):
        field._fit_calendar_to_data()
        kwargs.pop("type", None)
        kwargs.setdefault("id", field.id)
        if not field.widget_is_text():
            return _html(
                "<input {}>",
                html_params(name=field.name, type="date", value=field._value(), **kwargs),
            )
        placeholders = {"bs": _("YYYY-MM-DD (BS)"), "ad": _("YYYY-MM-DD (AD)")}
        kwargs.update(
            {
                "placeholder": placeholders[field.input_calendar],
                "data-placeholder-bs": placeholders["bs"],
                "data-placeholder-ad": placeholders["ad"],
                "pattern": _DATE_PATTERN,
                "autocomplete": "off",
                "data-bikram-sambat": url_for("main.bs_months"),
                "data-digits": field.digits,
            }
        )
        parts = [
            _html(
                "<input {}>",
                html_params(name=field.name, type="text", value=field._value(), **kwargs),
            )
        ]
        if field.shows_calendar_choice():
            parts.append(self._calendar_select(field))
        button = html_params(
            type="button",
            class_="btn btn-outline-secondary bs-picker-open",
            **{
                "data-for": kwargs["id"],
                "aria-label": _("Choose a date in BS"),
                "data-previous-year": _("Previous year"),
                "data-previous-month": _("Previous month"),
                "data-next-month": _("Next month"),
                "data-next-year": _("Next year"),
            },
        )
        parts.append(_html("<button {}>{}</button>", button, escape(_("Calendar"))))
        return _html('<div class="input-group bs-date">{}</div>', "".join(parts))

    @staticmethod
    def _calendar_select(field) -> str:
        options = "".join(
            _html(
                "<option {}>{}</option>",
                html_params(value=code, selected=code == field.input_calendar),
                escape(text),
            )
            for code, text in (("bs", _("BS")), ("ad", _("AD")))
        )
        params = html_params(
            name=field.calendar_input_name,
            id=f"{field.id}-calendar",
            class_="form-select bs-date-calendar",
            **{"aria-label": _("Calendar of %(field)s", field=field.label.text)},
        )
        return _html("<select {}>{}</select>", params, options)


def _html(template: str, *escaped_parts: str) -> Markup:
    """Markup from a literal template and parts already escaped (html_params, escape)."""
    return Markup(template.format(*escaped_parts))  # noqa: S704  # nosec B704: every part is escaped


class CalendarDateField(Field):
    """A date typed in the user's calendar; `data` is always an AD `datetime.date`.

    Users whose calendar is `ad` get the browser's date input, unchanged. Users whose
    calendar is `bs` type (or pick) a BS date `YYYY-MM-DD`, in Latin or Devanagari digits;
    it is converted to AD here. Users whose calendar is `both` read both calendars on every
    page; they type in BS by default (the calendar Nepal's offices date in) and a small
    AD/BS select next to the input lets them type AD instead. Any form may say which
    calendar a value is in with `<name>-calendar=ad|bs` (a saved report's link gives its
    AD dates this way); without it the user's default applies.

    An edit form shows the stored date in the calendar the user types in (and in their
    digits); a date the BS calendar cannot show is shown in AD, with the select set to AD.
    Empty input gives None: add a validator to require a date.
    """

    widget = CalendarDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.display_calendar, self.input_calendar, self.digits = _preferred_calendars()
        self.default_input_calendar = self.input_calendar

    @property
    def calendar_input_name(self) -> str:
        return f"{self.name}-calendar"

    def shows_calendar_choice(self) -> bool:
        return self.display_calendar == "both" or self.input_calendar != (
            self.default_input_calendar
        )

    def process(self, formdata, data=unset_value, extra_filters=None):
        if formdata is not None and formdata.get(self.calendar_input_name) in ("ad", "bs"):
            self.input_calendar = formdata.get(self.calendar_input_name)
        super().process(formdata, data, extra_filters)
        self._fit_calendar_to_data()

    def _fit_calendar_to_data(self) -> None:
        """A stored date the BS calendar cannot show is shown, and kept, in AD. Checked
        again when drawn: a view may set `data` after the form is made (the stage form)."""
        if self.data is not None and not self.raw_data and bs_iso(self.data) is None:
            self.input_calendar = "ad"

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = latin_digits(" ".join(valuelist).strip())
        self.data = None
        if not text:
            return
        if self.input_calendar == "bs":
            try:
                self.data = parse_bs(text)
            except CalendarRangeError as error:
                raise ValueError(str(error)) from None
        else:
            self.data = _parse_ad(text)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        text = bs_iso(self.data) if self.input_calendar == "bs" else self.data.isoformat()
        if self.digits == "devanagari" and self.widget_is_text():
            return devanagari_digits(text)
        return text

    def widget_is_text(self) -> bool:
        return self.shows_calendar_choice() or self.input_calendar == "bs"


def _parse_ad(text: str) -> date:
    match = DATE_TEXT.fullmatch(text)
    try:
        return date(*(int(part) for part in match.groups()))
    except (AttributeError, ValueError):
        # WTForms' DateField message, kept so AD users read what they always did.
        raise ValueError(str(_l("Not a valid date value."))) from None
