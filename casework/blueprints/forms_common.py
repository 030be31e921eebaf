"""Form pieces shared by blueprints: multi-checkboxes, optional selects, error mapping."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, SelectMultipleField, widgets
from wtforms.validators import StopValidation

from casework.errors import ValidationError


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
