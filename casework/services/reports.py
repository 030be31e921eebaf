"""Aggregate reports: build, suppress, label, download, and saved definitions.

Every role with `aggregate.view` may run reports over every office: the figures are
counts, suppressed the same way for everyone, so a table a supervisor sees can be passed
to a partner as it is. Individual-level data is what exports are for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from casework import audit
from casework.auth.permissions import Permission, may_use_saved_report, require
from casework.domain import age_bands, codes, conflict, periods, workflow
from casework.errors import NotFound, ValidationError
from casework.extensions import db
from casework.i18n import Preferences
from casework.models import Country, District, Office, Province, SavedReport, User, utcnow
from casework.models import get_by_id as _get_by_id
from casework.reports import aggregate
from casework.reports.aggregate import ReportSpec
from casework.reports.suppression import TOTAL, suppress
from casework.services import reference, settings


@dataclass
class Figure:
    """One published figure: a cell (every dimension set) or a total (some are TOTAL)."""

    key: tuple
    count: int | None  # None when suppressed
    suppressed: bool
    below_threshold: bool  # suppressed because it is small (not to protect another)

    def values(self, group_by: tuple[str, ...]) -> dict:
        return {d: v for d, v in zip(group_by, self.key, strict=True) if v is not TOTAL}


@dataclass
class Report:
    spec: ReportSpec
    threshold: int
    cells: list[Figure]
    totals: list[Figure]  # sums over one or more dimensions, the grand total last
    generated_at: datetime
    generated_by: str
    labels: dict[str, dict] = field(default_factory=dict)  # dimension -> {code: label}

    @property
    def grand_total(self) -> Figure:
        return self.totals[-1]

    def label(self, dimension: str, code) -> str:
        if code is TOTAL:
            return _("All")
        if code is None:
            return _("Not recorded")
        return str(self.labels.get(dimension, {}).get(code, code))

    def shown(self, figure: Figure) -> str:
        """How a figure reads on a page or in a file: the number, `<5`, or `x`."""
        if not figure.suppressed:
            return str(figure.count)
        return f"<{self.threshold}" if figure.below_threshold else "x"


def parse_spec(
    *,
    subject: str | None,
    group_by,
    kind: str | None = None,
    office: str | None = None,
    start=None,
    end=None,
    fiscal_year: str | None = None,
) -> ReportSpec:
    """A checked report definition from user input; ValidationError names the fields."""
    if isinstance(group_by, str):
        group_by = [part.strip() for part in group_by.split(",") if part.strip()]
    errors: dict[str, list[str]] = {}
    try:
        period = periods.make_period(start, end, (fiscal_year or "").strip() or None)
    except periods.PeriodError as error:
        errors.update(error.fields)
        period = periods.Period()
    office = (office or "").strip().upper() or None
    if office and db.session.get(Office, office) is None:
        errors["office"] = [_("Unknown office.")]
    spec = ReportSpec(
        subject=subject or "beneficiaries",
        group_by=tuple(group_by or ()),
        kind=kind or None,
        office=office,
        period=period,
    )
    errors.update(aggregate.check_spec(spec))
    if errors:
        raise ValidationError(fields=errors)
    return spec


def run(actor: User, spec: ReportSpec) -> Report:
    require(actor, Permission.AGGREGATE_VIEW)
    rows = db.session.execute(aggregate.build_query(spec)).all()
    cells = {tuple(row[:-1]): row[-1] for row in rows}
    threshold = settings.suppression_threshold()
    result = suppress(cells, threshold)
    figures = [
        Figure(key, result.shown(key), key in result.hidden, 0 < count < threshold)
        for key, count in result.figures.items()
    ]
    if not figures:  # nothing counted: the grand total is a published zero
        figures = [Figure(tuple(TOTAL for _dimension in spec.group_by), 0, False, False)]
    figures.sort(key=lambda f: _sort_key(spec.group_by, f.key))
    return Report(
        spec=spec,
        threshold=threshold,
        cells=[f for f in figures if f.key and TOTAL not in f.key],
        totals=[f for f in figures if TOTAL in f.key or not f.key],
        generated_at=utcnow(),
        generated_by=actor.username,
        labels=_labels(spec.group_by, cells),
    )


def _sort_key(group_by, key) -> tuple:
    """Cells before totals; bands in age order; unknowns last."""
    parts = []
    for dimension, value in zip(group_by, key, strict=True):
        if value is TOTAL:
            parts.append((2, 0, ""))
        elif value is None:
            parts.append((1, 0, ""))
        elif dimension == "age_band":
            parts.append((0, age_bands.CODES.index(value), ""))
        else:
            parts.append((0, value if isinstance(value, int) else 0, str(value)))
    return (sum(p[0] == 2 for p in parts), *parts)


@dataclass(frozen=True)
class PlaceName:
    """A place's name in both scripts: it reads in the language being written, so one
    report can be written in Nepali and in English (casework.reports.presentation)."""

    en: str
    ne: str

    def __str__(self) -> str:
        return self.ne if str(get_locale() or "en") == "ne" and self.ne else self.en


@dataclass(frozen=True)
class CountryName:
    """A country's name in the language being written (CLDR's name in Nepali, the ISO name
    in English: casework.services.reference.country_shown_name)."""

    code: str
    iso_name: str

    def __str__(self) -> str:
        return reference.country_shown_name(self.code, self.iso_name)


def _labels(group_by: tuple[str, ...], cells: dict[tuple, int]) -> dict[str, dict]:
    labels: dict[str, dict] = {}
    for axis, dimension in enumerate(group_by):
        if dimension in ("district", "incident_district"):
            rows = db.session.execute(select(District.id, District.name_en, District.name_ne))
            labels[dimension] = {i: PlaceName(en, ne) for i, en, ne in rows}
        elif dimension == "province":
            rows = db.session.execute(select(Province.id, Province.name_en, Province.name_ne))
            labels[dimension] = {i: PlaceName(en, ne) for i, en, ne in rows}
        elif dimension in ("host_country", "destination_country"):
            rows = db.session.execute(select(Country.code, Country.name))
            labels[dimension] = {code: CountryName(code, name) for code, name in rows}
        elif dimension == "month":
            months = {key[axis] for key in cells if key[axis] is not None}
            labels[dimension] = {month: aggregate.month_label(month) for month in months}
        else:
            labels[dimension] = _CODE_LABELS[dimension]
    return labels


_CODE_LABELS = {
    "sex": codes.SEX,
    "age_band": age_bands.LABELS,
    "kind": workflow.KINDS,
    "status": {**workflow.STATUSES, **workflow.REFERRAL_STATUSES},
    "victim_category": conflict.VICTIM_CATEGORIES,
    "service": codes.SERVICES,
}


def record_download(
    actor: User, spec: ReportSpec, file_format: str, style: Preferences | None = None
) -> None:
    """Aggregate files are exports too: each download is in the audit log."""
    style = style or Preferences()
    audit.record(
        "report.download",
        object_type="report",
        object_id=spec.subject,
        changes={
            "definition": spec.definition(),
            "format": file_format,
            "language": style.language,
            "calendar": style.calendar,
            "digits": style.digits,
        },
        actor=actor,
    )


# --- saved report definitions --------------------------------------------------------------


def saved_reports(actor: User) -> list[SavedReport]:
    require(actor, Permission.AGGREGATE_VIEW)
    return list(
        db.session.scalars(
            select(SavedReport).where(SavedReport.owner_id == actor.id).order_by(SavedReport.name)
        )
    )


def get_saved(actor: User, report_id: int) -> SavedReport:
    report = _get_by_id(SavedReport, report_id)
    if report is None or not may_use_saved_report(actor, report):
        raise NotFound()
    return report


def save(actor: User, name: str, spec: ReportSpec) -> SavedReport:
    require(actor, Permission.AGGREGATE_VIEW)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError(
            fields={"name": [_("Give the report a name (up to 120 characters).")]}
        )
    report = SavedReport(owner_id=actor.id, name=name, definition=spec.definition())
    db.session.add(report)
    db.session.flush()
    audit.record(
        "report.save", object_type="saved_report", object_id=report.id, changes=spec.definition()
    )
    return report


def delete_saved(actor: User, report_id: int) -> None:
    report = get_saved(actor, report_id)
    audit.record("report.delete", object_type="saved_report", object_id=report.id)
    db.session.delete(report)
    db.session.flush()
