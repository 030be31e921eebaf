"""Bikram Sambat (BS) companions of the API's dates, added to every schema at once.

Every `Date` or `DateTime` field of a schema built on `OutputSchema` gets a read-only
companion `<name>_bs` (the data key too: `from` has `from_bs`):

- for a date, its BS date `YYYY-MM-DD` (domain/calendar.bs_iso);
- for a date-time (stored in UTC), the BS date of the day it falls on in Nepal time
  (Asia/Kathmandu, UTC+05:45), the day a caseworker in Nepal would write down;
- null when the date is null, or outside the BS calendar data (BS 1975-2100, AD
  1918-04-13 to 2044-04-12): the AD field still has it.

Every `Date` field of a schema built on `InputSchema` (bodies and query strings) gets a
write-only alternative `<name>_bs`: a BS date `YYYY-MM-DD` in Latin or Devanagari digits,
converted to AD and loaded as `<name>`, so views and services only ever see AD. An
invalid or out-of-range BS date is refused by the field itself (422 naming `<name>_bs`);
both fields giving different days is refused too (422 naming `<name>_bs`). A required date
may come as either field; neither is 422 naming `<name>`. Date-times are
not accepted in BS: the API takes none as input, and a BS date has no time of day.

The companions are made by the schema metaclass, so a date field added later has its
companion without anyone remembering it; tests/integration/test_api_bs_dates.py walks the
OpenAPI document to prove no date lacks one (and catches a schema not built on these).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields
from marshmallow.schema import SchemaMeta

from casework.domain import calendar
from casework.domain.periods import NEPAL

SUFFIX = "_bs"
_RANGE = (
    f"BS {calendar.to_bs(calendar.FIRST_AD).year}-{calendar.to_bs(calendar.LAST_AD).year}, "
    f"AD {calendar.FIRST_AD.isoformat()} to {calendar.LAST_AD.isoformat()}"
)
# Longer than any way of writing a BS date; refuses a megabyte before parsing it.
_MAX_TEXT = 20


def _public_name(name: str, field: fields.Field) -> str:
    """The name a client sees: the data key if the field has one (`from` for `start`)."""
    return field.data_key or name


def _is_temporal(field: fields.Field) -> bool:
    return isinstance(field, fields.Date | fields.DateTime)


class BsDateOf(fields.String):
    """Read-only: the BS date of another field's date or date-time, or null."""

    def __init__(self, source_attribute: str, source_name: str, is_datetime: bool, **kwargs):
        if is_datetime:
            what = (
                f"The Bikram Sambat date (YYYY-MM-DD) of the day of `{source_name}` in "
                "Nepal time (UTC+05:45)"
            )
        else:
            what = f"`{source_name}` in Bikram Sambat (YYYY-MM-DD)"
        description = f"{what}; null when `{source_name}` is null or outside {_RANGE}."
        super().__init__(
            dump_only=True,
            allow_none=True,
            dump_default=None,
            metadata={"description": description, "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            **kwargs,
        )
        self.source_attribute = source_attribute

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return super().get_value(obj, self.source_attribute, accessor, default)

    def _serialize(self, value, attr, obj, **kwargs) -> str | None:
        if isinstance(value, datetime):
            if value.tzinfo is None:  # the models' times are UTC (models/_types.py)
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(NEPAL).date()
        if not isinstance(value, date):
            return None
        return calendar.bs_iso(value)


class BsDateInput(fields.String):
    """Write-only: a BS date, loaded as the AD date it is (merged by InputSchema)."""

    def __init__(self, source_attribute: str, source_name: str, allow_none: bool, **kwargs):
        description = (
            f"BS date YYYY-MM-DD; alternative to `{source_name}` (Latin or Devanagari "
            f"digits, {_RANGE}), stored as its AD date. Giving both with different days "
            "is refused."
        )
        super().__init__(
            load_only=True,
            allow_none=allow_none,
            metadata={"description": description, "maxLength": _MAX_TEXT},
            **kwargs,
        )
        self.source_attribute = source_attribute
        self.source_name = source_name
        self.pair_required = False  # set by _companion: the AD date is required

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > _MAX_TEXT:
            raise ma.ValidationError(_("Give a BS date as YYYY-MM-DD, such as 2081-01-15."))
        try:
            return calendar.parse_bs(text)
        except calendar.CalendarRangeError as error:
            raise ma.ValidationError(str(error)) from error


def _companion(name: str, field: fields.Field, direction: str) -> fields.Field | None:
    """The `_bs` field of one date field, for a schema of that direction (or None)."""
    public = _public_name(name, field)
    data_key = public + SUFFIX if field.data_key else None
    source_attribute = field.attribute or name
    if direction == "output" and not field.load_only:
        is_datetime = isinstance(field, fields.DateTime)
        return BsDateOf(source_attribute, public, is_datetime, data_key=data_key)
    if direction == "input" and isinstance(field, fields.Date) and not field.dump_only:
        companion = BsDateInput(source_attribute, public, field.allow_none, data_key=data_key)
        # A required date may come as either field: the pair is checked in InputSchema.
        companion.pair_required = getattr(field, "bs_pair_required", field.required)
        field.bs_pair_required, field.required = companion.pair_required, False
        if companion.pair_required:
            companion.metadata["description"] += f" `{public}` or this one is required."
        return companion
    return None


def with_companions(declared: dict[str, fields.Field], direction: str) -> dict:
    """`declared` with each date's `_bs` field right after it (unless one is declared)."""
    own = {n: f for n, f in declared.items() if not isinstance(f, BsDateOf | BsDateInput)}
    result = {}
    for name, field in own.items():
        result[name] = field
        companion_name = name + SUFFIX
        if _is_temporal(field) and companion_name not in own:
            companion = _companion(name, field, direction)
            if companion is not None:
                result[companion_name] = companion
    return result


class BsSchemaMeta(SchemaMeta):
    """Adds the `_bs` companions when a schema class is made (marshmallow's plugin hook)."""

    @classmethod
    def get_declared_fields(mcs, klass, cls_fields, inherited_fields, dict_cls=dict):  # noqa: N804
        declared = super().get_declared_fields(klass, cls_fields, inherited_fields, dict_cls)
        # A parent's companions are made again: the child may redefine or exclude the date.
        return dict_cls(with_companions(declared, klass.bs_direction))


class OutputSchema(ma.Schema, metaclass=BsSchemaMeta):
    """What the API returns: each date has a read-only `<name>_bs` beside it."""

    bs_direction: ClassVar[str] = "output"


class InputSchema(ma.Schema, metaclass=BsSchemaMeta):
    """What the API accepts: each date may be given in BS instead, as `<name>_bs`."""

    bs_direction: ClassVar[str] = "input"

    @ma.post_load
    def _bs_dates_to_ad(self, data: dict, **kwargs) -> dict:
        # Named to sort first: marshmallow runs post_load hooks in name order, and the
        # schemas' own hooks (flatten_consent, …) must see the AD date.
        errors = {}
        for name, field in self.load_fields.items():
            if not isinstance(field, BsDateInput):
                continue
            if name not in data:
                if _missing_pair(field, data, kwargs.get("partial")):
                    errors[field.source_name] = [fields.Field.default_error_messages["required"]]
                continue
            day = data.pop(name)
            given = data.get(field.source_attribute)
            if given is not None and given != day:
                errors[field.data_key or name] = [
                    _conflict(field.data_key or name, field, day, given)
                ]
            else:
                data[field.source_attribute] = day
        if errors:
            raise ma.ValidationError(errors)
        return data


def _missing_pair(field: BsDateInput, data: dict, partial) -> bool:
    """A required date given in neither calendar (a partial load asks for nothing)."""
    if not field.pair_required or field.source_attribute in data:
        return False
    skipped = partial is True or (partial and field.source_name in partial)
    return not skipped


def _conflict(public: str, field: BsDateInput, day: date | None, given: date) -> str:
    if day is None:
        return _(
            "%(bs)s is empty but %(ad)s is %(given)s: give one of them, or the same day in both.",
            bs=public,
            ad=field.source_name,
            given=given.isoformat(),
        )
    return _(
        "%(bs)s is %(day)s in AD, but %(ad)s is %(given)s: give one of them, or the same "
        "day in both.",
        bs=field.data_key or field.name,
        day=day.isoformat(),
        ad=field.source_name,
        given=given.isoformat(),
    )
