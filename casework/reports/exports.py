"""Individual-level exports: beneficiaries, cases or referrals as CSV or XLSX, optionally
inside an AES-encrypted ZIP.

Supervisors export their own office's records and admins every office's
(`Permission.EXPORT_INDIVIDUAL`; the scope comes from casework.auth.permissions, as do the
rules that hide torture and sexual violence). One SQLAlchemy Core SELECT of the chosen
columns (joins, no ORM objects) is streamed with `yield_per` into a spooled temporary file,
so a million rows need no more memory than a thousand. Only when the file is complete is
the row count known; the audit event is written then, and the view commits it before it
sends a single byte. The password is used and forgotten: it is never stored or logged.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import aliased

from casework import audit
from casework.auth.permissions import (
    Permission,
    require,
    scope_beneficiaries,
    scope_cases,
    scope_office,
    sensitive_hidden,
    story_hidden,
    visible_offices,
)
from casework.domain import codes, conflict, reintegration, resettlement, workflow
from casework.domain.calendar import CALENDARS, bs_iso
from casework.domain.conflict import SENSITIVE_VULNERABILITIES
from casework.domain.periods import NEPAL
from casework.errors import NotFound, ValidationError
from casework.extensions import db
from casework.i18n import LANGUAGES
from casework.models import (
    Beneficiary,
    Case,
    ConflictDetails,
    District,
    LocalLevel,
    Office,
    Provider,
    Referral,
    ResettlementDetails,
    ReturnDetails,
    User,
    get_by_id,
)
from casework.reports import stream
from casework.services import beneficiaries as beneficiary_service

MIN_PASSWORD = 12
MAX_PASSWORD = 256
YIELD_PER = 1000  # rows fetched from the database at a time
FORMATS = {"csv": "CSV", "xlsx": "Excel (XLSX)"}
RESTRICTED = "restricted"

Assignee = aliased(User, name="assignee")
IncidentDistrict = aliased(District, name="incident_district")


def _restricted(_value) -> str:
    return RESTRICTED


def _without_sensitive(value) -> list:
    return [v for v in value or [] if v not in SENSITIVE_VULNERABILITIES]


@dataclass(frozen=True)
class Column:
    """One exportable column: its key (the CSV header and the API's `columns=` name), its
    label on the page, and the SQL expression that gives its value."""

    key: str
    label: Any
    expr: ColumnElement
    default: bool = False
    is_list: bool = False  # a JSON list, written as "a, b"
    # SQL, per row: true where the user may not see this value; it is then replaced by hide().
    hidden_when: Callable[[User], ColumnElement[bool]] | None = None
    hide: Callable[[Any], Any] = _restricted
    labels: dict | None = None  # code -> lazy label, for exports in a language but English
    nepali: ColumnElement | None = None  # the expression of a Nepali export (a name_ne)

    def expression(self, language: str) -> ColumnElement:
        return self.nepali if language == "ne" and self.nepali is not None else self.expr

    @property
    def python_type(self) -> type | None:
        sql_type = self.expr.type
        sql_type = getattr(sql_type, "impl_instance", sql_type)  # UTCDateTime: its DateTime
        try:
            return sql_type.python_type
        except NotImplementedError:  # JSON lists
            return None

    @property
    def is_date(self) -> bool:
        """A date or a moment: it gets a BS companion column when BS is asked for."""
        kind = self.python_type
        return kind is not None and issubclass(kind, date)


@dataclass(frozen=True)
class Dataset:
    name: str
    label: Any
    columns: tuple[Column, ...]
    filters: frozenset[str]  # which ExportFilters apply, besides office and dates
    select_from: Callable[[Select], Select]  # the joins
    scope: Callable[[User, Select], Select]
    office_column: ColumnElement
    date_column: ColumnElement  # what from/to are about
    order: ColumnElement
    date_help: Any = ""

    @property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @property
    def defaults(self) -> list[Column]:
        return [c for c in self.columns if c.default]


def _name(person=Beneficiary) -> ColumnElement:
    return func.trim(person.given_name + " " + person.family_name)


BENEFICIARIES = Dataset(
    name="beneficiaries",
    label=_l("Beneficiaries"),
    columns=(
        Column(
            "registration_number",
            _l("Registration number"),
            Beneficiary.registration_number,
            True,
        ),
        Column("given_name", _l("Given name"), Beneficiary.given_name, True),
        Column("family_name", _l("Family name"), Beneficiary.family_name, True),
        Column("name_ne", _l("Name in Devanagari"), Beneficiary.name_ne),
        Column("sex", _l("Sex"), Beneficiary.sex, True, labels=codes.SEX),
        Column("date_of_birth", _l("Date of birth"), Beneficiary.date_of_birth, True),
        Column("dob_estimated", _l("Date of birth is estimated"), Beneficiary.dob_estimated),
        Column("nationality", _l("Nationality"), Beneficiary.nationality),
        Column("phone", _l("Phone"), Beneficiary.phone),
        Column("district", _l("District"), District.name_en, True, nepali=District.name_ne),
        Column("local_level", _l("Local level"), LocalLevel.name_en, nepali=LocalLevel.name_ne),
        Column("ward", _l("Ward"), Beneficiary.ward),
        Column("office", _l("Office"), Beneficiary.office_code, True),
        Column("consent_given", _l("Consent given"), Beneficiary.consent_given),
        Column(
            "consent_purposes",
            _l("Consent covers"),
            Beneficiary.consent_purposes,
            is_list=True,
            labels=codes.CONSENT_PURPOSES,
        ),
        Column(
            "vulnerabilities",
            _l("Vulnerabilities"),
            Beneficiary.vulnerabilities,
            is_list=True,
            hidden_when=story_hidden,
            hide=_without_sensitive,
            labels=codes.VULNERABILITIES,
        ),
        Column("created_at", _l("Registered at (UTC)"), Beneficiary.created_at, True),
    ),
    filters=frozenset({"q", "district_id", "sex"}),
    select_from=lambda stmt: (
        stmt.select_from(Beneficiary)
        .outerjoin(District, District.id == Beneficiary.district_id)
        .outerjoin(LocalLevel, LocalLevel.id == Beneficiary.local_level_id)
    ),
    scope=scope_beneficiaries,
    office_column=Beneficiary.office_code,
    date_column=Beneficiary.created_at,
    order=Beneficiary.id,
    date_help=_l("The day of registration (UTC); both days are included."),
)

CASES = Dataset(
    name="cases",
    label=_l("Cases"),
    columns=(
        Column("case_number", _l("Case number"), Case.case_number, True),
        Column("kind", _l("Kind"), Case.kind, True, labels=workflow.KINDS),
        Column("status", _l("Status"), Case.status, True, labels=workflow.STATUSES),
        Column("office", _l("Office"), Case.office_code, True),
        Column("assigned_to", _l("Assigned to"), Assignee.username, True),
        Column(
            "registration_number",
            _l("Beneficiary's registration number"),
            Beneficiary.registration_number,
            True,
        ),
        Column("beneficiary_name", _l("Beneficiary's name"), _name(), True),
        Column("opened_at", _l("Opened at (UTC)"), Case.opened_at, True),
        Column("closed_at", _l("Closed at (UTC)"), Case.closed_at, True),
        Column("host_country", _l("Returned from"), ReturnDetails.host_country),
        Column("return_date", _l("Return date"), ReturnDetails.return_date),
        Column(
            "return_reason",
            _l("Reason for return"),
            ReturnDetails.return_reason,
            labels=reintegration.RETURN_REASONS,
        ),
        Column(
            "victim_categories",
            _l("Victim categories"),
            ConflictDetails.victim_categories,
            is_list=True,
            hidden_when=sensitive_hidden,
            labels=conflict.VICTIM_CATEGORIES,
        ),
        Column("incident_date", _l("Incident date"), ConflictDetails.incident_date),
        Column(
            "incident_district",
            _l("Incident district"),
            IncidentDistrict.name_en,
            nepali=IncidentDistrict.name_ne,
        ),
        Column("unhcr_case_number", _l("UNHCR case number"), ResettlementDetails.unhcr_case_number),
        Column("destination_country", _l("Destination"), ResettlementDetails.destination_country),
        Column("camp", _l("Camp"), ResettlementDetails.camp, labels=resettlement.CAMPS),
    ),
    filters=frozenset({"kind", "status", "open_only", "assigned_to"}),
    select_from=lambda stmt: (
        stmt.select_from(Case)
        .join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        .join(Assignee, Assignee.id == Case.assigned_to_id)
        .outerjoin(ReturnDetails, ReturnDetails.case_id == Case.id)
        .outerjoin(ConflictDetails, ConflictDetails.case_id == Case.id)
        .outerjoin(IncidentDistrict, IncidentDistrict.id == ConflictDetails.incident_district_id)
        .outerjoin(ResettlementDetails, ResettlementDetails.case_id == Case.id)
    ),
    scope=scope_cases,
    office_column=Case.office_code,
    date_column=Case.opened_at,
    order=Case.id,
    date_help=_l("The day the case was opened (UTC); both days are included."),
)

REFERRALS = Dataset(
    name="referrals",
    label=_l("Referrals"),
    columns=(
        Column("id", _l("Referral"), Referral.id, True),
        Column("case_number", _l("Case number"), Case.case_number, True),
        Column(
            "registration_number",
            _l("Beneficiary's registration number"),
            Beneficiary.registration_number,
            True,
        ),
        Column("beneficiary_name", _l("Beneficiary's name"), _name(), True),
        Column("provider", _l("Provider"), Provider.name, True),
        Column("service", _l("Service"), Referral.service, True, labels=codes.SERVICES),
        Column("urgency", _l("Urgency"), Referral.urgency, True, labels=codes.URGENCY),
        Column("status", _l("Status"), Referral.status, True, labels=workflow.REFERRAL_STATUSES),
        Column("office", _l("Office"), Referral.office_code, True),
        Column("created_at", _l("Created at (UTC)"), Referral.created_at, True),
        Column("sent_at", _l("Sent at (UTC)"), Referral.sent_at),
        Column("responded_at", _l("Answered at (UTC)"), Referral.responded_at),
        Column("completed_at", _l("Completed at (UTC)"), Referral.completed_at),
    ),
    filters=frozenset({"status", "service"}),
    select_from=lambda stmt: (
        stmt.select_from(Referral)
        .join(Case, Case.id == Referral.case_id)
        .join(Beneficiary, Beneficiary.id == Case.beneficiary_id)
        .join(Provider, Provider.id == Referral.provider_id)
    ),
    # The referrals of the cases the user may see (as casework.services.referrals lists them).
    scope=scope_cases,
    office_column=Referral.office_code,
    date_column=Referral.created_at,
    order=Referral.id,
    date_help=_l("The day the referral was created (UTC); both days are included."),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (BENEFICIARIES, CASES, REFERRALS)}


@dataclass
class ExportFilters:
    """What to export. Office and dates apply to every dataset; the rest to one each
    (Dataset.filters). `date_from`/`date_to` are days (UTC) of registration, opening or
    creation, both included."""

    office: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    district_id: int | None = None
    sex: str | None = None
    kind: str | None = None
    status: str | None = None
    open_only: bool = False
    assigned_to: str | None = None  # a username
    service: str | None = None


COMMON_FILTERS = frozenset({"office", "date_from", "date_to"})
# The names the API and the audit log use (DESIGN.md's contract), where they differ.
PUBLIC_NAMES = {"date_from": "from", "date_to": "to", "open_only": "open"}


def public_name(attribute: str) -> str:
    return PUBLIC_NAMES.get(attribute, attribute)


def _given(filters: ExportFilters) -> dict[str, Any]:
    """The filters that were set (an empty text or an unticked box is not a filter)."""
    values = {f.name: getattr(filters, f.name) for f in fields(filters)}
    if isinstance(values["q"], str):
        values["q"] = values["q"].strip()
    return {name: value for name, value in values.items() if value not in (None, "", False)}


@dataclass
class ExportFile:
    file: IO[bytes]
    filename: str
    mimetype: str
    rows: int
    size: int
    columns: list[str] = field(default_factory=list)


def dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise NotFound()
    return DATASETS[name]


def office_choices(actor: User) -> list[str]:
    """The offices the actor may export (one for a supervisor; every office for an admin)."""
    require(actor, Permission.EXPORT_INDIVIDUAL)
    offices = visible_offices(actor)
    if offices is not None:
        return offices
    return list(db.session.scalars(select(Office.code).order_by(Office.code)))


def staff_choices(actor: User) -> list[tuple[str, str]]:
    """(username, office) of the staff whose cases the actor may export."""
    require(actor, Permission.EXPORT_INDIVIDUAL)
    stmt = scope_office(actor, select(User.username, User.office_code), User).where(
        User.role.in_(("caseworker", "supervisor"))
    )
    return [tuple(row) for row in db.session.execute(stmt.order_by(User.username))]


# --- checking the request ----------------------------------------------------------------


def _columns(spec: Dataset, keys: list[str] | None, errors: dict) -> list[Column]:
    if keys is None:
        return spec.defaults
    wanted = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    if not wanted:
        errors["columns"] = [_("Choose at least one column.")]
        return []
    unknown = [k for k in wanted if k not in spec.by_key]
    if unknown:
        errors["columns"] = [
            _(
                "Unknown column: %(names)s. Choose from: %(known)s.",
                names=", ".join(unknown),
                known=", ".join(spec.by_key),
            )
        ]
        return []
    return [spec.by_key[k] for k in wanted]


def _filters(actor: User, spec: Dataset, filters: ExportFilters, errors: dict) -> dict:
    """The filters as they will apply (a supervisor's own office always), or errors."""
    given = _given(filters)

    def refuse(name: str, message: str) -> None:
        errors.setdefault(public_name(name), []).append(message)

    for name in sorted(set(given) - spec.filters - COMMON_FILTERS):
        refuse(name, _("This filter does not apply to %(dataset)s.", dataset=spec.label))
    offices = visible_offices(actor)
    office = given.get("office")
    if office is None and offices is not None:
        given["office"] = offices[0]  # supervisors export their own office, and only it
    elif office is not None and offices is not None and office not in offices:
        refuse("office", _("You can export only your own office's records."))
    elif office is not None and db.session.get(Office, office) is None:
        refuse("office", _("Unknown office."))
    checks = {
        "sex": codes.SEX,
        "kind": workflow.KINDS,
        "service": codes.SERVICES,
        "status": workflow.REFERRAL_STATUSES if spec is REFERRALS else workflow.STATUSES,
    }
    for name, table in checks.items():
        if name in given and given[name] not in table:
            refuse(name, _("Choose a value from the list."))
    if "district_id" in given and get_by_id(District, given["district_id"]) is None:
        refuse("district_id", _("Unknown district."))
    if "assigned_to" in given:
        staff = scope_office(actor, select(User.id), User).where(
            User.username == given["assigned_to"]
        )
        if db.session.scalar(staff) is None:
            refuse("assigned_to", _("No such user in the offices you may export."))
    start, end = given.get("date_from"), given.get("date_to")
    if start and end and start > end:
        refuse("date_to", _("The end date is before the start date."))
    return given


def _check_password(password: str | None, errors: dict) -> None:
    if password is None:
        return
    if len(password) < MIN_PASSWORD:
        errors["password"] = [_("At least %(n)d characters.", n=MIN_PASSWORD)]
    elif len(password) > MAX_PASSWORD:
        errors["password"] = [_("At most %(n)d characters.", n=MAX_PASSWORD)]


# --- the query -------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _conditions(spec: Dataset, given: dict) -> list:
    conditions = []
    if spec is BENEFICIARIES:
        conditions += beneficiary_service.search_conditions(
            beneficiary_service.SearchFilters(
                q=given.get("q", ""), district_id=given.get("district_id"), sex=given.get("sex")
            )
        )
    if "office" in given:
        conditions.append(spec.office_column == given["office"])
    if "date_from" in given:
        conditions.append(spec.date_column >= _day_start(given["date_from"]))
    if "date_to" in given:
        conditions.append(spec.date_column < _day_start(given["date_to"] + timedelta(days=1)))
    if "kind" in given:
        conditions.append(Case.kind == given["kind"])
    if "status" in given:
        status_column = Referral.status if spec is REFERRALS else Case.status
        conditions.append(status_column == given["status"])
    if given.get("open_only"):
        conditions.append(Case.closed_at.is_(None))
    if "assigned_to" in given:
        conditions.append(Assignee.username == given["assigned_to"])
    if "service" in given:
        conditions.append(Referral.service == given["service"])
    return conditions


def statement(
    actor: User, spec: Dataset, columns: list[Column], given: dict, language: str = "en"
) -> Select:
    """One SELECT of the chosen columns (plus a flag per column the user may not see)."""
    values = [c.expression(language).label(c.key) for c in columns]
    flags = [c.hidden_when(actor).label(f"hidden_{c.key}") for c in columns if c.hidden_when]
    stmt = spec.select_from(select(*values, *flags))
    stmt = spec.scope(actor, stmt).where(*_conditions(spec, given))
    return stmt.order_by(spec.order)


def _rows(columns: list[Column], result, reading: Reading | None = None) -> Iterator[list]:
    """The cells of each row: values the user may not see replaced, codes labelled (in a
    language but English), lists joined, and a BS companion after each date if asked."""
    width = len(columns)
    guarded = [(i, c.hide) for i, c in enumerate(columns) if c.hidden_when]
    guards = [(i, width + n, hide) for n, (i, hide) in enumerate(guarded)]
    lists = [i for i, c in enumerate(columns) if c.is_list]
    labelled = reading.labels if reading else ()
    # From the right, so that each insertion leaves the places still to come where they are.
    companions = sorted(reading.companions, reverse=True) if reading else ()
    for row in result:
        cells = list(row[:width])
        for i, flag, hide in guards:
            if row[flag]:
                cells[i] = hide(cells[i])
        for i, names in labelled:
            value = cells[i]
            if isinstance(value, list):
                cells[i] = [names.get(v, v) for v in value]
            else:
                cells[i] = names.get(value, value)
        for i in lists:
            if isinstance(cells[i], list):
                cells[i] = ", ".join(str(v) for v in cells[i])
        for i in companions:
            cells.insert(i + 1, bs_text(cells[i]))
        yield cells


# --- how the file reads: language and calendar ------------------------------------------
#
# An English export is the data contract: its header row is the column keys (the API's
# `columns=` names) and its values are the codes DESIGN.md lists, so scripts can rely on
# them. An export in Nepali is written for people: the header row is the columns' names,
# codes are their labels, districts and local levels their Devanagari names (name_ne),
# yes/no are words. Labels are translated once per export, never per row.
#
# With the BS calendar (`bs` or `both`), each date and moment column is followed by a
# `<key>_bs` column (in Nepali: "<name> (BS)") holding its BS date, `YYYY-MM-DD`, in Latin
# digits; a moment's BS date is that of its day in Nepal. The AD column stays: BS only
# would leave a file no spreadsheet can sort or compute with, nor join to the API's AD
# dates. Exports never use Devanagari digits: they are data. Outside the BS range
# (BS 1975-2100) the companion is empty.


@dataclass(frozen=True)
class Reading:
    """How one export is written, decided before its first row."""

    header: list[str]
    labels: list[tuple[int, dict]]  # (column, {value: text}) for the columns labelled
    companions: list[int]  # the date columns followed by their BS date


def reading(columns: list[Column], language: str, calendar: str) -> Reading:
    with_bs = calendar in ("bs", "both")
    companions = [i for i, c in enumerate(columns) if with_bs and c.is_date]
    if language == "en":
        header = []
        for c in columns:
            header += [c.key, f"{c.key}_bs"] if with_bs and c.is_date else [c.key]
        return Reading(header, [], companions)
    with force_locale(language):
        header = []
        for c in columns:
            header.append(str(c.label))
            if with_bs and c.is_date:
                header.append(_("%(column)s (BS)", column=str(c.label)))
        return Reading(header, _labels(columns), companions)


def _labels(columns: list[Column]) -> list[tuple[int, dict]]:
    """Each labelled column's {value: text}, in the current locale."""
    found = []
    for i, c in enumerate(columns):
        names: dict = {}
        if c.labels:
            names.update({code: str(label) for code, label in c.labels.items()})
        if c.python_type is bool:
            names.update({True: _("Yes"), False: _("No")})
        if c.hidden_when and c.hide is _restricted:
            names[RESTRICTED] = _("restricted")
        if names:
            found.append((i, names))
    return found


def _bs_of_day(day: date) -> str:
    """A day's BS date ("" outside the range; bs_iso caches: a million rows hold a few
    thousand distinct days)."""
    return bs_iso(day) or ""


# Nepal's clock has been UTC+05:45 all year since 1986 (no summer time): adding it is
# several times faster than a time-zone conversion per row. Earlier moments use the zone.
_NEPAL_OFFSET = timedelta(hours=5, minutes=45)
_FIXED_OFFSET_SINCE = datetime(1986, 1, 1, tzinfo=UTC)


def bs_text(value) -> str:
    """The BS companion of a cell: a date's BS date, a moment's BS day in Nepal."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        if moment.tzinfo is UTC and moment >= _FIXED_OFFSET_SINCE:
            value = (moment + _NEPAL_OFFSET).date()
        else:
            value = moment.astimezone(NEPAL).date()
    return _bs_of_day(value)


# --- the export --------------------------------------------------------------------------


def export(
    actor: User,
    dataset_name: str,
    *,
    columns: list[str] | None = None,
    filters: ExportFilters | None = None,
    fmt: str = "csv",
    password: str | None = None,
    language: str = "en",
    calendar: str = "ad",
) -> ExportFile:
    """Write the export to a temporary file and audit it; the caller commits, then sends.

    `columns` None means the dataset's defaults; `password` puts the file in an AES ZIP;
    `language` and `calendar` say how it reads (see Reading above).
    """
    require(actor, Permission.EXPORT_INDIVIDUAL)
    spec = dataset(dataset_name)
    errors: dict[str, list[str]] = {}
    chosen = _columns(spec, columns, errors)
    given = _filters(actor, spec, filters or ExportFilters(), errors)
    if fmt not in FORMATS:
        errors["format"] = [_("Choose CSV or XLSX.")]
    _check_password(password, errors)
    if language not in LANGUAGES:
        errors["lang"] = [_("Choose a value from the list.")]
    if calendar not in CALENDARS:
        errors["calendar"] = [_("Choose a value from the list.")]
    if errors:
        raise ValidationError(fields=errors)

    stem = f"casework-{spec.name}-{given.get('office') or 'all'}-{date.today().isoformat()}"
    if language != "en":
        stem = f"{stem}-{language}"
    inner = f"{stem}.{fmt}"
    header = [c.key for c in chosen]
    how = reading(chosen, language, calendar)
    out = stream.spool()
    try:
        result = db.session.execute(
            statement(actor, spec, chosen, given, language).execution_options(yield_per=YIELD_PER)
        )
        try:
            if fmt == "xlsx":
                rows = _rows(chosen, result, how)
                count = stream.write_xlsx(out, how.header, rows, sheet_name=spec.name)
            else:
                count = stream.write_csv(out, how.header, _rows(chosen, result, how))
        finally:
            result.close()
        if password is not None:
            encrypted = stream.encrypt(out, inner, password)
            out.close()
            out = encrypted
    except BaseException:
        out.close()
        raise
    size = out.seek(0, io.SEEK_END)
    out.seek(0)
    audit.record(
        f"export.{spec.name}",
        object_type="export",
        object_id=spec.name,
        changes={
            "filters": {public_name(k): v for k, v in sorted(given.items())},
            "columns": header,
            "format": fmt,
            "encrypted": password is not None,
            "language": language,
            "calendar": calendar,
            "rows": count,
        },
        actor=actor,
    )
    if password is not None:
        filename, mimetype = f"{stem}.zip", stream.ZIP_MIMETYPE
    else:
        mimetype = stream.XLSX_MIMETYPE if fmt == "xlsx" else stream.CSV_MIMETYPE
        filename = inner
    return ExportFile(out, filename, mimetype, count, size, header)
