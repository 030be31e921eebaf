"""Bulk import of beneficiaries from CSV or XLSX files (issue 10).

A file is first checked (the dry run, always): read safely (casework.imports.reader), its
columns mapped (casework.imports.columns), every row normalised (casework.imports.rows)
and validated by the beneficiary service's own `prepare_new`, the rules of the
registration form; then compared with the office's beneficiaries and the file's earlier
rows by the registration form's duplicate score (casework.imports.duplicates). The web
page keeps the checked file in an `ImportBatch` until the user applies or discards it.

Apply checks the file again (the database may have changed since) and writes every row
to import in one transaction, in bulk (casework.bulk, as the demo data at scale: the
search index's triggers and counters stay right, one `beneficiary.create` audit event per
person, chained): all rows land or none does. Decisions the issue leaves open:

- Rows with errors are never imported; apply refuses while there are any, unless the
  user explicitly excludes them.
- Likely duplicates (score at least DUPLICATE_SCORE_THRESHOLD, as the registration
  form warns) are skipped by default. "Link" imports them as new people and records the
  pair (new id, existing id or row, score) in the batch's report, for a caseworker to
  review; it does not merge records or join households, which needs a person's judgement.
- Each imported person is the head of a household of their own, as a registration
  without a household is; members are joined later on the profile.
- Who may import: caseworkers and supervisors, into their own office (Permission.
  BENEFICIARY_IMPORT); partners never; admins neither, because a registration drive
  belongs to an office's staff (an admin's import would be nobody's caseload).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from casework import audit, bulk
from casework.auth.permissions import Permission, require, scope_beneficiaries, scope_office
from casework.domain import matching
from casework.errors import Conflict, NotFound, ValidationError
from casework.extensions import db
from casework.imports import columns as cols
from casework.imports import duplicates, reader
from casework.imports.rows import RowReader
from casework.models import (
    Beneficiary,
    Country,
    District,
    Household,
    IdentityDocument,
    ImportBatch,
    ImportMapping,
    LocalLevel,
    RegistrationCounter,
    User,
    get_by_id,
    utcnow,
)
from casework.services import beneficiaries

REPORT_CAP = 2_000  # errors and duplicates kept in a batch's report (the counts are exact)
WINDOW = 5_000  # people per bulk write
DUPLICATE_CHOICES = ("skip", "link")
# Which import field a record field's error belongs to (the column to point at).
_ERROR_FIELDS = {
    "given_name": ("given_name", "full_name"),
    "family_name": ("family_name", "full_name"),
    "date_of_birth": ("date_of_birth", "date_of_birth_bs", "age"),
    "district_id": ("district",),
    "local_level_id": ("local_level", "district"),
}


def limits() -> reader.Limits:
    config = current_app.config
    return reader.Limits(
        max_bytes=config.get("IMPORT_MAX_BYTES", reader.Limits.max_bytes),
        max_rows=config.get("IMPORT_MAX_ROWS", reader.Limits.max_rows),
        max_uncompressed=config.get("IMPORT_MAX_UNCOMPRESSED", reader.Limits.max_uncompressed),
    )


# --- the dry run -------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    record: dict | None = None  # what would be registered; None if the row has errors
    errors: list[dict] = field(default_factory=list)  # {"column", "message"}
    duplicate: dict | None = None  # the match: existing person or earlier row, and score
    candidate: duplicates.Candidate | None = None


@dataclass
class Analysis:
    file_name: str
    sha256: str
    size: int
    source: str
    source_key: str
    columns: list[dict]
    problems: list[str]
    rows: list[Row]

    @property
    def error_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def duplicate_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.errors and r.duplicate]

    def counts(self) -> dict[str, int]:
        errors, dups = len(self.error_rows), len(self.duplicate_rows)
        return {
            "total": len(self.rows),
            "errors": errors,
            "duplicates": dups,
            "valid": len(self.rows) - errors - dups,
        }

    def report(self) -> dict:
        return {
            "columns": self.columns,
            "problems": self.problems,
            "counts": self.counts(),
            "errors": [{"row": r.number, **e} for r in self.error_rows for e in r.errors][
                :REPORT_CAP
            ],
            "duplicates": [
                {"row": r.number, "name": _name(r.record), **r.duplicate}
                for r in self.duplicate_rows[:REPORT_CAP]
            ],
        }


def _name(record: dict) -> str:
    return f"{record.get('given_name', '')} {record.get('family_name', '')}".strip()


def analyse(
    actor: User, file_name: str, content: bytes, *, source: str = "", chosen: dict | None = None
) -> Analysis:
    """Read, map, normalise, validate and match every row; change nothing."""
    require(actor, Permission.BENEFICIARY_IMPORT)
    sheet = reader.read(file_name, content, limits())
    key = cols.source_key(source, sheet.headers)
    columns = cols.resolve(sheet.headers, _remembered(actor.office_code, key), chosen or {})
    analysis = Analysis(
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        source=source.strip(),
        source_key=key,
        columns=columns,
        problems=cols.problems(columns),
        rows=[],
    )
    if not analysis.problems:
        # The service checks each row's country, district and local level with
        # session.get; the session keeps only objects referenced elsewhere, so without
        # these references it would ask the database again for every row.
        reference = [db.session.scalars(select(m)).all() for m in (Country, District, LocalLevel)]
        analysis.rows = _check_rows(sheet, columns)
        _find_duplicates(actor, analysis.rows)
        del reference
    return analysis


def _check_rows(sheet: reader.Sheet, columns: list[dict]) -> list[Row]:
    today = date.today()
    convert = RowReader(columns, today)
    header_of = {c["field"]: c["header"] for c in columns if c["field"]}
    header_at = {c["index"]: c["header"] for c in columns}
    mapped = {c["index"] for c in columns if c["field"]}
    rows = []
    for index, (number, cells) in enumerate(zip(sheet.numbers, sheet.rows, strict=True)):
        row = Row(number)
        converted = convert.record(cells)
        for name, messages in converted.problems.items():
            row.errors += [{"column": header_of[name], "message": m} for m in messages]
        for column in range(len(cells)):
            if (index, column) in sheet.formulas and column in mapped:
                row.errors.append(
                    {
                        "column": header_at[column],
                        "message": _("This cell holds a formula; type or paste its value."),
                    }
                )
        if not row.errors:
            _validate(row, converted.record, header_of)
        rows.append(row)
    return rows


def _validate(row: Row, data: dict, header_of: dict[str, str]) -> None:
    try:
        row.record = beneficiaries.prepare_new(data)
    except ValidationError as error:
        for name, messages in error.fields.items():
            column = _column_for(name, data, header_of)
            row.errors += [{"column": column, "message": m} for m in messages]


def _column_for(name: str, data: dict, header_of: dict[str, str]) -> str:
    """The file's column a rule's field came from ('' if the file has none for it)."""
    if name.startswith("documents."):
        index = int(name.split(".")[1])
        doc_type = data["documents"][index]["doc_type"]
        name = {"citizenship": "citizenship_number", "passport": "passport_number"}.get(
            doc_type, f"{doc_type}_number"
        )
    for candidate in _ERROR_FIELDS.get(name, (name,)):
        if candidate in header_of:
            return header_of[candidate]
    return str(cols.FIELDS.get(name, name))


def _find_duplicates(actor: User, rows: list[Row]) -> None:
    threshold = current_app.config["DUPLICATE_SCORE_THRESHOLD"]
    valid = [r for r in rows if r.record is not None]
    for r in valid:
        r.candidate = _candidate_of(r)
    existing = duplicates.existing_candidates(actor, [r.candidate for r in valid])
    earlier = duplicates.Index()
    for r in valid:
        found = existing.best(r.candidate, threshold) or earlier.best(r.candidate, threshold)
        if found is not None:
            r.duplicate = _describe(found)
        earlier.add(r.candidate)


def _candidate_of(row: Row) -> duplicates.Candidate:
    record = row.record
    return duplicates.Candidate(
        person=beneficiaries.person_of(record),
        given_key=matching.name_key(record["given_name"]),
        family_key=matching.name_key(record["family_name"]),
        doc_keys=frozenset(
            k for k in (matching.document_key(d["number"]) for d in record["documents"]) if k
        ),
        row=row.number,
    )


def _describe(found: duplicates.Found) -> dict:
    c = found.candidate
    return {
        "score": found.score,
        "beneficiary_id": c.beneficiary_id,
        "registration_number": c.registration_number,
        "match_row": None if c.beneficiary_id else c.row,
        "match_name": f"{c.person.given_name} {c.person.family_name}".strip(),
        "match_date_of_birth": c.person.date_of_birth.isoformat()
        if c.person.date_of_birth
        else None,
    }


def _remembered(office_code: str, key: str) -> dict:
    mapping = db.session.scalar(
        select(ImportMapping).filter_by(office_code=office_code, source_key=key)
    )
    return dict(mapping.columns) if mapping else {}


def _remember(actor: User, analysis: Analysis) -> None:
    """Keep the columns as mapped now for the next file of this source."""
    columns = {c["header"]: c["field"] for c in analysis.columns if c["how"] != "metadata"}
    mapping = db.session.scalar(
        select(ImportMapping).filter_by(
            office_code=actor.office_code, source_key=analysis.source_key
        )
    )
    if mapping is None:
        mapping = ImportMapping(office_code=actor.office_code, source_key=analysis.source_key)
        db.session.add(mapping)
    mapping.columns = columns
    mapping.updated_by_id = actor.id
    mapping.updated_at = utcnow()


# --- batches -----------------------------------------------------------------------------


def check(
    actor: User, file_name: str, content: bytes, *, source: str = "", chosen: dict | None = None
) -> ImportBatch:
    """The dry run of an uploaded file, kept as a batch to apply or discard later."""
    analysis = analyse(actor, file_name, content, source=source, chosen=chosen)
    return record_check(actor, analysis, content)


def record_check(actor: User, analysis: Analysis, content: bytes) -> ImportBatch:
    """Keep a dry run as a batch (with the file, until it is applied or discarded)."""
    batch = ImportBatch(
        office_code=actor.office_code,
        created_by_id=actor.id,
        source=analysis.source,
        file_name=analysis.file_name[:255],
        file_sha256=analysis.sha256,
        file_size=analysis.size,
        status="checked",
        content=content,
    )
    _store(batch, analysis)
    db.session.add(batch)
    db.session.flush()
    audit.record(
        "import.check",
        object_type="import_batch",
        object_id=batch.id,
        changes=_facts(batch),
        actor=actor,
    )
    return batch


def _store(batch: ImportBatch, analysis: Analysis) -> None:
    counts = analysis.counts()
    batch.mapping = {c["header"]: c["field"] for c in analysis.columns}
    batch.report = analysis.report()
    batch.rows_total, batch.rows_error = counts["total"], counts["errors"]
    batch.rows_duplicate, batch.rows_valid = counts["duplicates"], counts["valid"]


def _facts(batch: ImportBatch) -> dict:
    return {
        "file_name": batch.file_name,
        "sha256": batch.file_sha256,
        "source": batch.source,
        "rows": batch.rows_total,
        "valid": batch.rows_valid,
        "errors": batch.rows_error,
        "duplicates": batch.rows_duplicate,
        "imported": batch.rows_imported,
    }


def get_batch(actor: User, batch_id: int) -> ImportBatch:
    require(actor, Permission.BENEFICIARY_IMPORT)
    batch = get_by_id(ImportBatch, batch_id)
    if batch is None:
        raise NotFound()
    require(actor, Permission.BENEFICIARY_IMPORT, batch)
    return batch


def list_batches(actor: User, page: int, per_page: int) -> tuple[list[ImportBatch], int]:
    require(actor, Permission.BENEFICIARY_IMPORT)
    stmt = scope_office(actor, select(ImportBatch), ImportBatch)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.order_by(ImportBatch.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    return list(items), total


def batch_members(actor: User, batch: ImportBatch, page: int, per_page: int):
    """The beneficiaries a batch brought in (those the actor may see), a page of them."""
    stmt = scope_beneficiaries(actor, select(Beneficiary)).where(
        Beneficiary.import_batch_id == batch.id
    )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.order_by(Beneficiary.id).limit(per_page).offset((page - 1) * per_page)
    )
    return list(items), total


def _pending(actor: User, batch: ImportBatch) -> None:
    require(actor, Permission.BENEFICIARY_IMPORT, batch)
    if batch.status != "checked" or batch.content is None:
        raise Conflict(_("This import has already been applied or discarded."))


def remap(actor: User, batch: ImportBatch, chosen: dict) -> ImportBatch:
    """Check the batch's file again with the columns as the user mapped them; remember
    the mapping for the source's next file."""
    _pending(actor, batch)
    analysis = analyse(actor, batch.file_name, batch.content, source=batch.source, chosen=chosen)
    _store(batch, analysis)
    if not analysis.problems:
        _remember(actor, analysis)
    db.session.flush()
    return batch


def discard(actor: User, batch: ImportBatch) -> None:
    _pending(actor, batch)
    batch.status, batch.content = "discarded", None
    db.session.flush()
    audit.record(
        "import.discard",
        object_type="import_batch",
        object_id=batch.id,
        changes=_facts(batch),
        actor=actor,
    )


def apply(
    actor: User,
    batch: ImportBatch,
    *,
    duplicates_choice: str = "skip",
    exclude_errors: bool = False,
    window: int = WINDOW,
    analysis: Analysis | None = None,
) -> ImportBatch:
    """Import the batch's valid rows in this transaction (all or none); see the module.

    The file is checked again, since the database may have changed since the dry run;
    `analysis` skips that when the dry run was made in this same transaction (the
    command line checks and applies at once)."""
    _pending(actor, batch)
    if duplicates_choice not in DUPLICATE_CHOICES:
        raise ValidationError(fields={"duplicates": [_("Choose skip or link.")]})
    if analysis is None:
        analysis = analyse(
            actor, batch.file_name, batch.content, source=batch.source, chosen=batch.mapping
        )
        _store(batch, analysis)
    if analysis.problems:
        raise ValidationError(analysis.problems[0], fields={"file": analysis.problems})
    if analysis.error_rows and not exclude_errors:
        message = _(
            "%(n)d rows have errors. Correct the file and upload it again, or exclude "
            "those rows explicitly.",
            n=len(analysis.error_rows),
        )
        raise ValidationError(message, fields={"exclude_errors": [message]})
    chosen_rows = [
        r
        for r in analysis.rows
        if r.record is not None and (r.duplicate is None or duplicates_choice == "link")
    ]
    ids = _write(actor, batch, [r.record for r in chosen_rows], window)
    _finish(actor, batch, analysis, chosen_rows, ids, duplicates_choice)
    return batch


def _finish(actor, batch, analysis, chosen_rows, ids, duplicates_choice) -> None:
    by_row = {r.number: beneficiary_id for r, beneficiary_id in zip(chosen_rows, ids, strict=True)}
    links = [
        {
            "beneficiary_id": by_row[r.number],
            "row": r.number,
            "match_id": r.duplicate["beneficiary_id"] or by_row.get(r.duplicate["match_row"]),
            "score": r.duplicate["score"],
        }
        for r in chosen_rows
        if r.duplicate
    ]
    batch.report = {**batch.report, "links": links, "excluded_errors": len(analysis.error_rows)}
    batch.status, batch.content, batch.applied_at = "applied", None, utcnow()
    batch.duplicates, batch.rows_imported = duplicates_choice, len(ids)
    db.session.flush()
    audit.record(
        "import.apply",
        object_type="import_batch",
        object_id=batch.id,
        changes={**_facts(batch), "duplicates_choice": duplicates_choice, "linked": len(links)},
        actor=actor,
    )


# --- writing -----------------------------------------------------------------------------


def _write(actor: User, batch: ImportBatch, records: list[dict], window: int) -> list[int]:
    """Write the people in bulk inside the session's transaction; their ids, in order."""
    if not records:
        return []
    db.session.flush()
    loader = bulk.Loader()
    try:
        year = date.today().year
        number = loader.keys.numbers(
            RegistrationCounter, len(records), office_code=batch.office_code, year=year
        )
        who = bulk.Actor(actor.id, actor.username)
        ids: list[int] = []
        for start in range(0, len(records), window):
            part = records[start : start + window]
            ids += _add_people(loader, who, batch, part, number + start, year)
            loader.flush()
        loader.finish()
        loader.keys.close()
    except BaseException:
        loader.abandon()
        raise
    return ids


def _add_people(loader, who, batch, records, first_number, year) -> list[int]:
    now = utcnow()
    people = loader.ids(Beneficiary, len(records))
    households = loader.ids(Household, len(records))
    for offset, (record, person_id, household_id) in enumerate(
        zip(records, people, households, strict=True)
    ):
        number = f"{batch.office_code}-{year}-{first_number + offset:06d}"
        _add_person(loader, who, batch, record, person_id, household_id, number, now)
    return people


def _add_person(loader, who, batch, record, person_id, household_id, number, now) -> None:
    loader.add(Household, {"id": household_id, "office_code": batch.office_code, "created_at": now})
    row = {name: record.get(name) for name in beneficiaries.EDITABLE_FIELDS}
    row.update(
        id=person_id,
        registration_number=number,
        office_code=batch.office_code,
        relationship_to_head="head",
        household_id=household_id,
        given_key=matching.name_key(record["given_name"]),
        family_key=matching.name_key(record["family_name"]),
        search_text=matching.search_text(
            record["given_name"], record["family_name"], record["name_ne"]
        )[:400],
        created_by_id=who.id,
        created_at=now,
        updated_at=now,
        version=1,
        import_batch_id=batch.id,
    )
    loader.add(Beneficiary, row)
    documents = [
        {
            "beneficiary_id": person_id,
            "doc_type": d["doc_type"],
            "number": d["number"],
            "number_key": matching.document_key(d["number"]),
            "issuing_country": d.get("issuing_country"),
        }
        for d in record["documents"]
    ]
    if documents:
        loader.add(IdentityDocument, documents)
    # What beneficiaries.register records for one person, plus the batch it came in.
    after = {name: row[name] for name in beneficiaries.EDITABLE_FIELDS}
    after.update(
        documents=[{k: d[k] for k in ("doc_type", "number", "issuing_country")} for d in documents],
        household_id=household_id,
        import_batch_id=batch.id,
    )
    changes = beneficiaries.loggable(audit.diff({}, after))  # as register masks them
    loader.audit_at(now, who, "beneficiary.create", "beneficiary", person_id, changes)
