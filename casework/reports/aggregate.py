"""Aggregate reports: count people, cases or referrals grouped by up to three dimensions.

The database does the counting (one GROUP BY query); suppression is applied afterwards
to the whole table (casework.reports.suppression). Which record a period selects:

- people (`beneficiaries`): registered in the period; with a kind of case, people with a
  case of that kind opened in the period (counted once however many cases they have);
- `cases`: opened in the period; `referrals`: created in the period.

Days are Nepal's (a day starts at midnight in Kathmandu); months are UTC months. Ages are banded at the end of
the period (today when it has no end). Grouping by a dimension of one kind of case
(host country, destination country, victim category) counts the cases of that kind only;
a case with several victim categories counts once in each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from casework.domain import age_bands, workflow
from casework.domain.periods import NEPAL, Period, nepal_today
from casework.models import (
    Beneficiary,
    Case,
    ConflictCategory,
    ConflictDetails,
    District,
    Referral,
    ResettlementDetails,
    ReturnDetails,
)

MAX_DIMENSIONS = 3

SUBJECTS = {
    "beneficiaries": _l("People"),
    "cases": _l("Cases"),
    "referrals": _l("Referrals"),
}
_ALL = frozenset(SUBJECTS)
_WORK = frozenset({"cases", "referrals"})


@dataclass(frozen=True)
class Dimension:
    code: str
    label: object  # a lazy string
    subjects: frozenset[str]
    needs: tuple[str, ...]  # joins, in order (see _Joins)
    expression: Callable[[_Joins], object]


@dataclass(frozen=True)
class ReportSpec:
    subject: str = "beneficiaries"
    group_by: tuple[str, ...] = ()
    kind: str | None = None
    office: str | None = None
    period: Period = field(default_factory=Period)

    def definition(self) -> dict:
        """What a saved report keeps (the period may be replaced when it is run again)."""
        return {
            "subject": self.subject,
            "group_by": list(self.group_by),
            "kind": self.kind,
            "office": self.office,
            "period": self.period.as_dict(),
        }

    def with_period(self, period: Period) -> ReportSpec:
        return replace(self, period=period)


class _Joins:
    """The subject's table and the tables its dimensions need, joined once each."""

    def __init__(self, subject: str):
        self.subject = subject
        self.done: list[str] = []

    @property
    def root(self):
        return {"beneficiaries": Beneficiary, "cases": Case, "referrals": Referral}[self.subject]

    @property
    def reference_date(self):
        """The column a period filters on and months are taken from."""
        return {
            "beneficiaries": Beneficiary.created_at,
            "cases": Case.opened_at,
            "referrals": Referral.created_at,
        }[self.subject]

    def apply(self, stmt: Select, needs: tuple[str, ...]) -> Select:
        for name in needs:
            stmt = self._join(stmt, name)
        return stmt

    def _join(self, stmt: Select, name: str) -> Select:
        if name in self.done:
            return stmt
        if name == "case" and self.subject == "referrals":
            stmt = stmt.join(Case, Case.id == Referral.case_id)
        elif name == "beneficiary" and self.subject != "beneficiaries":
            stmt = self._join(stmt, "case")
            stmt = stmt.join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        elif name == "district":
            stmt = self._join(stmt, "beneficiary")
            stmt = stmt.outerjoin(District, District.id == Beneficiary.district_id)
        elif name == "return":
            stmt = self._join(stmt, "case").join(ReturnDetails, ReturnDetails.case_id == Case.id)
        elif name == "resettlement":
            stmt = self._join(stmt, "case").join(
                ResettlementDetails, ResettlementDetails.case_id == Case.id
            )
        elif name == "conflict":
            stmt = self._join(stmt, "case").join(
                ConflictDetails, ConflictDetails.case_id == Case.id
            )
        elif name == "category":
            stmt = self._join(stmt, "case").join(
                ConflictCategory, ConflictCategory.case_id == Case.id
            )
        self.done.append(name)
        return stmt


class year_month(FunctionElement):  # noqa: N801  (reads as the SQL function it is)
    """202603 for a moment in March 2026 (UTC): one integer on every database."""

    type = Integer()
    inherit_cache = True


@compiles(year_month)
def _year_month_generic(element, compiler, **kw):
    (column,) = element.clauses
    moment = compiler.process(column, **kw)
    utc = f"({moment} AT TIME ZONE 'UTC')"  # whatever the session's time zone
    return f"CAST(EXTRACT(YEAR FROM {utc}) * 100 + EXTRACT(MONTH FROM {utc}) AS INTEGER)"


@compiles(year_month, "sqlite")
def _year_month_sqlite(element, compiler, **kw):
    # SQLite keeps datetimes as ISO text ("2026-03-01 04:30:00.000000"): cutting out the
    # digits is several times faster than strftime() over a million rows.
    (column,) = element.clauses
    moment = compiler.process(column, **kw)
    return f"CAST(substr({moment}, 1, 4) || substr({moment}, 6, 2) AS INTEGER)"


def _age_band(day: date):
    born = Beneficiary.date_of_birth
    whens = [(born.is_(None), age_bands.UNKNOWN)]
    whens += [(born <= latest, band) for band, latest in age_bands.cutoffs(day)]
    return case(*whens, else_=age_bands.BANDS[0][1])


DIMENSIONS: dict[str, Dimension] = {
    d.code: d
    for d in (
        Dimension("province", _l("Province"), _ALL, ("district",), lambda j: District.province_id),
        Dimension(
            "district", _l("District"), _ALL, ("beneficiary",), lambda j: Beneficiary.district_id
        ),
        Dimension("sex", _l("Sex"), _ALL, ("beneficiary",), lambda j: Beneficiary.sex),
        Dimension("age_band", _l("Age band"), _ALL, ("beneficiary",), None),  # see _expression
        Dimension("kind", _l("Kind of case"), _WORK, ("case",), lambda j: Case.kind),
        Dimension(
            "status",
            _l("Status"),
            _WORK,
            ("case",),
            lambda j: Referral.status if j.subject == "referrals" else Case.status,
        ),
        Dimension(
            "host_country",
            _l("Host country"),
            frozenset({"cases"}),
            ("return",),
            lambda j: ReturnDetails.host_country,
        ),
        Dimension(
            "destination_country",
            _l("Destination country"),
            frozenset({"cases"}),
            ("resettlement",),
            lambda j: ResettlementDetails.destination_country,
        ),
        Dimension(
            "victim_category",
            _l("Victim category"),
            frozenset({"cases"}),
            ("category",),
            lambda j: ConflictCategory.category,
        ),
        Dimension(
            "service", _l("Service"), frozenset({"referrals"}), (), lambda j: Referral.service
        ),
        Dimension(
            "incident_district",
            _l("District of the incident"),
            frozenset({"cases"}),
            ("conflict",),
            lambda j: ConflictDetails.incident_district_id,
        ),
        Dimension("month", _l("Month"), _ALL, (), lambda j: year_month(j.reference_date)),
    )
}


def check_spec(spec: ReportSpec) -> dict[str, list[str]]:
    """Errors by field; empty when the report can be built."""
    errors: dict[str, list[str]] = {}
    if spec.subject not in SUBJECTS:
        errors["subject"] = [str(_l("Choose people, cases or referrals."))]
        return errors
    unknown = [d for d in spec.group_by if d not in DIMENSIONS]
    if unknown:
        errors["group_by"] = [
            str(
                _l(
                    "Unknown dimension: %(names)s. Choose from %(known)s.",
                    names=", ".join(unknown),
                    known=", ".join(DIMENSIONS),
                )
            )
        ]
    elif len(spec.group_by) > MAX_DIMENSIONS:
        errors["group_by"] = [str(_l("Group by at most three dimensions."))]
    elif len(set(spec.group_by)) != len(spec.group_by):
        errors["group_by"] = [str(_l("Each dimension may be chosen once."))]
    else:
        unavailable = [d for d in spec.group_by if spec.subject not in DIMENSIONS[d].subjects]
        if unavailable:
            errors["group_by"] = [
                str(
                    _l(
                        "%(names)s cannot group %(subject)s.",
                        names=", ".join(str(DIMENSIONS[d].label) for d in unavailable),
                        subject=str(SUBJECTS[spec.subject]).lower(),
                    )
                )
            ]
    if spec.kind and spec.kind not in workflow.KINDS:
        errors["kind"] = [str(_l("Unknown kind of case."))]
    return errors


def _expression(dimension: Dimension, joins: _Joins, spec: ReportSpec):
    if dimension.code == "age_band":
        return _age_band(spec.period.end or nepal_today())
    return dimension.expression(joins)


def nepal_day_start(day: date) -> datetime:
    """The UTC moment at which a day begins in Nepal."""
    return datetime.combine(day, time.min, tzinfo=NEPAL).astimezone(UTC)


def _in_period(column, period: Period) -> list:
    conditions = []
    if period.start:
        conditions.append(column >= nepal_day_start(period.start))
    if period.end:
        conditions.append(column < nepal_day_start(period.end + timedelta(days=1)))
    return conditions


def build_query(spec: ReportSpec) -> Select:
    """SELECT dimension values…, count GROUP BY them, for a checked spec."""
    joins = _Joins(spec.subject)
    columns = [
        _expression(DIMENSIONS[d], joins, spec).label(f"d{i}") for i, d in enumerate(spec.group_by)
    ]
    stmt = select(*columns, func.count().label("n")).select_from(joins.root)
    for code in spec.group_by:
        stmt = joins.apply(stmt, DIMENSIONS[code].needs)
    stmt = _filter(stmt, joins, spec)
    if columns:
        stmt = stmt.group_by(*[c.name for c in columns])
    return stmt


def _filter(stmt: Select, joins: _Joins, spec: ReportSpec) -> Select:
    if spec.subject == "beneficiaries":
        if spec.office:
            stmt = stmt.where(Beneficiary.office_code == spec.office)
        if not spec.kind:
            return stmt.where(*_in_period(Beneficiary.created_at, spec.period))
        # IN (not a correlated EXISTS): the database reads the cases of the kind and period
        # through their index, instead of probing the cases of every person.
        return stmt.where(
            Beneficiary.id.in_(
                select(Case.beneficiary_id).where(
                    Case.kind == spec.kind, *_in_period(Case.opened_at, spec.period)
                )
            )
        )
    if spec.office:
        stmt = stmt.where(joins.root.office_code == spec.office)
    if spec.kind:
        stmt = joins.apply(stmt, ("case",)).where(Case.kind == spec.kind)
    return stmt.where(*_in_period(joins.reference_date, spec.period))


def month_label(value: int | None) -> str:
    return "—" if value is None else f"{value // 100:04d}-{value % 100:02d}"
