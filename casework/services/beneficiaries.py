"""Registering, finding, viewing and editing beneficiaries."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from casework import audit, search_index
from casework.auth.permissions import (
    Permission,
    beneficiaries_with_hidden_story,
    in_scope,
    require,
    scope_beneficiaries,
    story_hidden,
    visible_offices,
)
from casework.domain import beneficiary_rules, codes, matching, privacy
from casework.domain.conflict import SENSITIVE_VULNERABILITIES
from casework.errors import Conflict, NotFound, StaleVersion, ValidationError
from casework.extensions import db
from casework.models import (
    Beneficiary,
    Country,
    District,
    Household,
    IdentityDocument,
    LocalLevel,
    Office,
    RegistrationCounter,
    User,
    get_by_id,
    utcnow,
)
from casework.services.numbering import take_numbers
from casework.services.reference import shown_name

# The fields a caseworker sets; the rest (number, office, keys, stamps) are the system's.
EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "name_ne",
    "sex",
    "date_of_birth",
    "dob_estimated",
    "nationality",
    "phone",
    "district_id",
    "local_level_id",
    "ward",
    "address_line",
    "relationship_to_head",
    "vulnerabilities",
    "consent_given",
    "consent_date",
    "consent_purposes",
)
DEFAULTS = {
    "name_ne": "",
    "family_name": "",
    "dob_estimated": False,
    "nationality": "NP",
    "phone": "",
    "address_line": "",
    "relationship_to_head": "head",
    "vulnerabilities": [],
    "consent_given": False,
    "consent_purposes": [],
}
MATCH_CANDIDATE_LIMIT = 300


@dataclass
class Match:
    beneficiary: Beneficiary
    score: float


def snapshot(beneficiary: Beneficiary) -> dict:
    """The editable fields and documents of a record, as plain values."""
    data = {field: getattr(beneficiary, field) for field in EDITABLE_FIELDS}
    data["documents"] = [
        {"doc_type": d.doc_type, "number": d.number, "issuing_country": d.issuing_country}
        for d in beneficiary.documents
    ]
    return data


def _clean(data: dict) -> dict:
    cleaned = dict(data)
    for key in ("given_name", "family_name", "name_ne", "address_line", "phone"):
        value = cleaned.get(key)
        if value is None:
            cleaned[key] = ""  # a field left out of a form post is empty, not NULL
        elif isinstance(value, str):
            cleaned[key] = " ".join(unicodedata.normalize("NFC", value).split())
    if isinstance(cleaned.get("vulnerabilities"), list | tuple):
        order = list(codes.VULNERABILITIES)
        given = set(cleaned["vulnerabilities"])
        cleaned["vulnerabilities"] = [v for v in order if v in given] + sorted(given - set(order))
    if isinstance(cleaned.get("nationality"), str):
        cleaned["nationality"] = cleaned["nationality"].strip().upper()
    for doc in cleaned.get("documents") or []:
        doc["number"] = (doc.get("number") or "").strip()
        doc["issuing_country"] = (doc.get("issuing_country") or "").strip().upper() or None
    return cleaned


def _validate(record: dict) -> None:
    errors = beneficiary_rules.validate(record, date.today())
    _check_references(record, errors)
    if errors:
        raise ValidationError(fields=errors)
    record["phone"] = beneficiary_rules.normalise_phone(record.get("phone") or "")


def _check_references(record: dict, errors: dict[str, list[str]]) -> None:
    """Rules that need the reference tables; malformed values are not looked up."""

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if "nationality" not in errors and not db.session.get(Country, record["nationality"]):
        add("nationality", _("Unknown country code."))
    for index, doc in enumerate(record.get("documents") or []):
        country = doc.get("issuing_country")
        field = f"documents.{index}.issuing_country"
        if country and field not in errors and not db.session.get(Country, country):
            add(field, _("Unknown country code."))
    if "district_id" not in errors and "local_level_id" not in errors:
        _check_place(record, add)


def _check_place(record: dict, add) -> None:
    district_id = record.get("district_id")
    if district_id is not None and not db.session.get(District, district_id):
        add("district_id", _("Unknown district."))
        return
    local_level_id = record.get("local_level_id")
    if local_level_id is None:
        return
    level = db.session.get(LocalLevel, local_level_id)
    if level is None or level.district_id != district_id:
        add("local_level_id", _("This local level is not in the chosen district."))
    elif isinstance(record.get("ward"), int) and record["ward"] > level.wards:
        add("ward", _("%(name)s has %(n)d wards.", name=shown_name(level), n=level.wards))


def _next_registration_number(office_code: str) -> str:
    year = date.today().year
    number = take_numbers(RegistrationCounter, office_code=office_code, year=year)
    return f"{office_code}-{year}-{number:06d}"


def _apply(beneficiary: Beneficiary, record: dict) -> None:
    for field in EDITABLE_FIELDS:
        setattr(beneficiary, field, record.get(field))
    beneficiary.given_key = matching.name_key(beneficiary.given_name)
    beneficiary.family_key = matching.name_key(beneficiary.family_name)
    beneficiary.search_text = matching.search_text(
        beneficiary.given_name, beneficiary.family_name, beneficiary.name_ne
    )[:400]
    if "documents" in record:
        beneficiary.documents = [
            IdentityDocument(
                doc_type=d["doc_type"],
                number=d["number"],
                number_key=matching.document_key(d["number"]),
                issuing_country=d.get("issuing_country"),
            )
            for d in record["documents"]
        ]


def _household_for(actor: User, household_id: int | None, office_code: str) -> Household:
    if household_id is None:
        household = Household(office_code=office_code)
        db.session.add(household)
        return household
    household = get_by_id(Household, household_id)
    if household is None or not in_scope(actor, household):
        raise ValidationError(fields={"household_id": [_("No such household.")]})
    return household


def _office_for(actor: User, office_code: str | None) -> str:
    """Staff register in their own office; an admin may name another one."""
    if not office_code or office_code == actor.office_code:
        return actor.office_code
    if visible_offices(actor) is not None:  # only who sees every office may name one
        raise ValidationError(fields={"office": [_("You can only register in your office.")]})
    if not db.session.get(Office, office_code):
        raise ValidationError(fields={"office": [_("Unknown office.")]})
    return office_code


def check_new(data: dict) -> None:
    """Raise ValidationError if `data` could not be registered as it is."""
    prepare_new(data)


def prepare_new(data: dict) -> dict:
    """The record `register` would store for `data` (cleaned, checked, the phone in its
    one format), or ValidationError. Bulk imports validate each row with it."""
    record = _clean({**DEFAULTS, "documents": [], **data})
    _validate(record)
    return record


def register(
    actor: User, data: dict, *, household_id: int | None = None, office_code: str | None = None
) -> Beneficiary:
    """Register a new beneficiary in the actor's office (admins may name the office)."""
    require(actor, Permission.BENEFICIARY_CREATE)
    record = _clean({**DEFAULTS, "documents": [], **data})
    if household_id is None:
        record["relationship_to_head"] = "head"
    _validate(record)
    office = _office_for(actor, office_code)
    household = _household_for(actor, household_id, office)
    beneficiary = Beneficiary(
        registration_number=_next_registration_number(office),
        office_code=office,
        created_by_id=actor.id,
        household=household,
    )
    _apply(beneficiary, record)
    db.session.add(beneficiary)
    db.session.flush()
    after = snapshot(beneficiary)
    audit.record(
        "beneficiary.create",
        object_type="beneficiary",
        object_id=beneficiary.id,
        changes=loggable(audit.diff({}, {**after, "household_id": household.id})),
        actor=actor,
    )
    _record_consent_change(actor, beneficiary, {}, after)
    return beneficiary


def loggable(changes: dict) -> dict:
    """A diff fit for the audit log: torture and sexual violence read "restricted"."""
    return privacy.mask_sensitive(changes)


def _record_consent_change(actor: User, beneficiary: Beneficiary, before: dict, after: dict):
    """One event per change of consent, naming the purposes given and withdrawn and the day.

    The full diff is in beneficiary.create/update as well; this event is what a consent
    history (and the subject-access report) reads, and a withdrawal takes effect at once:
    services check the record's purposes when they act (referrals.consent_on_record).
    """
    change = privacy.consent_change(before, after)
    if not change["given"] and not change["withdrawn"]:
        return
    audit.record(
        "beneficiary.consent",
        object_type="beneficiary",
        object_id=beneficiary.id,
        changes={**change, "date": date.today(), "consent_date": after.get("consent_date")},
        actor=actor,
    )


def get(actor: User, beneficiary_id: int, *, audit_view: bool = False) -> Beneficiary:
    """A beneficiary the actor may see (else NotFound); a profile view is audited."""
    require(actor, Permission.BENEFICIARY_VIEW)
    beneficiary = get_by_id(
        Beneficiary, beneficiary_id, options=[selectinload(Beneficiary.documents)]
    )
    if beneficiary is None:
        raise NotFound()
    require(actor, Permission.BENEFICIARY_VIEW, beneficiary)
    mark_visible_vulnerabilities(actor, [beneficiary])
    if audit_view:
        record_view(actor, beneficiary)
    return beneficiary


def record_view(actor: User, beneficiary: Beneficiary) -> None:
    """Audit that the actor saw the profile (the page records it once it is drawn)."""
    audit.record(
        "beneficiary.view", object_type="beneficiary", object_id=beneficiary.id, actor=actor
    )


def update(actor: User, beneficiary: Beneficiary, changes: dict, version: int) -> Beneficiary:
    """Apply an edit made on `version`; refuse it if the record has moved on since."""
    require(actor, Permission.BENEFICIARY_EDIT, beneficiary)
    if beneficiary.anonymised_at is not None:
        # Putting names back on an anonymised record would undo the retention run.
        raise Conflict(
            _("This record was anonymised after its retention period; it cannot be changed.")
        )
    if version != beneficiary.version:
        raise StaleVersion()
    before = snapshot(beneficiary)
    changes = dict(changes)
    if "vulnerabilities" in changes:
        # What the actor may not see, they cannot have removed: keep it.
        hidden = set(before["vulnerabilities"]) - set(visible_vulnerabilities(actor, beneficiary))
        changes["vulnerabilities"] = list(changes["vulnerabilities"] or []) + sorted(hidden)
        # (_clean puts them in one order without repeats, so an unchanged save changes nothing)
    record = _clean({**before, **{k: v for k, v in changes.items() if k in before}})
    _validate(record)
    if "documents" not in changes:
        record.pop("documents")
    _apply(beneficiary, record)
    after = snapshot(beneficiary)
    if after == before:
        return beneficiary
    beneficiary.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "beneficiary.update",
        object_type="beneficiary",
        object_id=beneficiary.id,
        changes=loggable(audit.diff(before, after)),
        actor=actor,
    )
    _record_consent_change(actor, beneficiary, before, after)
    mark_visible_vulnerabilities(actor, [beneficiary])  # the answer shows the new values
    return beneficiary


@dataclass
class SearchFilters:
    q: str = ""
    district_id: int | None = None
    sex: str | None = None
    office: str | None = None
    page: int = 1
    per_page: int = 25


def search_conditions(filters: SearchFilters) -> list:
    """The conditions of a search, for the list and for exports (page and size aside)."""
    conditions = []
    q = (filters.q or "").strip()
    if q:
        conditions.append(_text_condition(q))
    if filters.district_id:
        conditions.append(Beneficiary.district_id == filters.district_id)
    if filters.sex:
        conditions.append(Beneficiary.sex == filters.sex)
    if filters.office:
        conditions.append(Beneficiary.office_code == filters.office)
    return conditions


def search(actor: User, filters: SearchFilters) -> tuple[list[Beneficiary], int]:
    """Name (any order, spelling-tolerant), registration number or phone; with filters.

    One page, newest first, and how many match. A name search must read every match to
    count them, so its matches are read once, as a MATERIALIZED CTE, and the page and the
    total come from that reading. Without MATERIALIZED, PostgreSQL may walk the primary
    key backwards to find the newest without sorting, which a LIMIT rewards but a count
    over every match does not (370 ms at a million people instead of 4). (SQLite has
    MATERIALIZED from 3.35, one release after the trigram tokenizer the search needs.)
    A list by district or sex alone counts through an index and reads only the page's
    rows: cheaper than reading every person of a district.
    """
    matching = scope_beneficiaries(actor, select(Beneficiary.id)).where(*search_conditions(filters))
    by_name = bool((filters.q or "").strip())
    if by_name:
        matches = matching.cte("matches").prefix_with("MATERIALIZED")
        page = select(matches.c.id, func.count().over().label("total")).order_by(
            matches.c.id.desc()
        )
    else:
        page = matching.order_by(Beneficiary.id.desc())
    page_ids = page.limit(filters.per_page).offset((filters.page - 1) * filters.per_page).subquery()
    rows = db.session.execute(
        select(Beneficiary, story_hidden(actor), *([page_ids.c.total] if by_name else []))
        .join(page_ids, page_ids.c.id == Beneficiary.id)
        .order_by(Beneficiary.id.desc())
        .options(joinedload(Beneficiary.district))
    ).all()
    items = [row[0] for row in rows]
    _mark_vulnerabilities(items, hidden={row[0].id for row in rows if row[1]})
    if by_name and rows:
        return items, rows[0][2]
    if by_name and filters.page == 1:
        return items, 0  # nobody matches (a search typed as it is being typed, often)
    # A list without a name, or a page past the last match: count through the index.
    return items, db.session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def visible_vulnerabilities(actor: User, beneficiary: Beneficiary) -> list[str]:
    """The vulnerabilities the actor may know of (see conflict.SENSITIVE_VULNERABILITIES)."""
    if beneficiary.id in beneficiaries_with_hidden_story(actor, [beneficiary.id]):
        return [v for v in beneficiary.vulnerabilities if v not in SENSITIVE_VULNERABILITIES]
    return list(beneficiary.vulnerabilities or [])


def mark_visible_vulnerabilities(actor: User, people: list[Beneficiary]) -> None:
    """Set `shown_vulnerabilities` (not a column) on each, for pages and the API."""
    _mark_vulnerabilities(
        people, hidden=beneficiaries_with_hidden_story(actor, [b.id for b in people])
    )


def _mark_vulnerabilities(people: list[Beneficiary], hidden: set[int]) -> None:
    """`hidden`: the ids whose sensitive vulnerabilities the actor may not know."""
    for person in people:
        shown = list(person.vulnerabilities or [])
        if person.id in hidden:
            shown = [v for v in shown if v not in SENSITIVE_VULNERABILITIES]
        person.shown_vulnerabilities = shown


def _text_condition(q: str):
    upper = q.upper()
    by_number = Beneficiary.registration_number == upper
    phone = beneficiary_rules.normalise_phone(q)
    terms = matching.search_terms(q)
    conditions = [by_number]
    if phone:
        conditions.append(Beneficiary.phone == phone)
    if terms:
        # Every word of the query, in any order, somewhere in the folded names.
        conditions.append(search_index.words_condition(terms, db.session.get_bind().dialect.name))
    return or_(*conditions)


def find_matches(
    actor: User,
    person: matching.Person,
    *,
    document_numbers: list[str] | None = None,
    exclude_id: int | None = None,
    limit: int = 10,
    threshold: float = 0.0,
) -> list[Match]:
    """Likely duplicates of `person` among the beneficiaries the actor may see.

    Candidates are found through indexed keys (the same folded names, either order; or a
    similar given name with the same family name; or one name with the same date of birth;
    or the same identity document; or every word of the Devanagari name), then scored by
    domain.matching.
    """
    require(actor, Permission.BENEFICIARY_VIEW)
    given_key = matching.name_key(person.given_name)
    family_key = matching.name_key(person.family_name)
    doc_keys = [k for k in (matching.document_key(n) for n in document_numbers or []) if k]
    conditions = []
    if given_key and family_key:
        conditions += [
            (Beneficiary.given_key == given_key) & (Beneficiary.family_key == family_key),
            (Beneficiary.given_key == family_key) & (Beneficiary.family_key == given_key),
            (Beneficiary.family_key == family_key)
            & Beneficiary.given_key.startswith(given_key[:3], autoescape=True),
        ]
    elif given_key:
        conditions.append(Beneficiary.given_key == given_key)
    if person.date_of_birth:
        for key in {given_key, family_key} - {""}:
            conditions += [
                (Beneficiary.family_key == key)
                & (Beneficiary.date_of_birth == person.date_of_birth),
                (Beneficiary.given_key == key)
                & (Beneficiary.date_of_birth == person.date_of_birth),
            ]
    if doc_keys:
        conditions.append(
            Beneficiary.id.in_(
                select(IdentityDocument.beneficiary_id).where(
                    IdentityDocument.number_key.in_(doc_keys)
                )
            )
        )
    conditions += _devanagari_name_candidates(person.name_ne)
    if not conditions:
        return []
    stmt = scope_beneficiaries(actor, select(Beneficiary.id, *_MATCHED_COLUMNS))
    stmt = stmt.where(or_(*conditions))
    if exclude_id:
        stmt = stmt.where(Beneficiary.id != exclude_id)
    # Candidates are scored from plain columns: a common name finds hundreds, and loading
    # each as an object with its documents cost more than the scoring. Only the best
    # `limit` are loaded whole, for the caller.
    candidates = db.session.execute(stmt.limit(MATCH_CANDIDATE_LIMIT)).all()
    same_doc = _holding_documents([c.id for c in candidates], doc_keys)
    scored = []
    for candidate in candidates:
        same_document = candidate.id in same_doc
        score = matching.match_score(person, _as_person(candidate), same_document=same_document)
        if score >= threshold:
            scored.append((-score, candidate.id))
    best = sorted(scored)[:limit]
    loaded = _load_with_documents([person_id for _, person_id in best])
    return [Match(loaded[person_id], -score) for score, person_id in best]


def _devanagari_name_candidates(name_ne: str) -> list:
    """People whose names hold every Devanagari word of `name_ne`, found through the
    search index: the same person may be transliterated in ways no folding brings together
    (Kshitiz / Chhitij, both क्षितिज). A whole name only (two words or more): one common
    word such as राम alone would fill the candidate limit with strangers."""
    words = matching.devanagari_words(name_ne)
    if len(words) < 2:
        return []
    return [search_index.words_condition(words, db.session.get_bind().dialect.name)]


_MATCHED_COLUMNS = (  # what _as_person reads
    Beneficiary.given_name,
    Beneficiary.family_name,
    Beneficiary.date_of_birth,
    Beneficiary.dob_estimated,
    Beneficiary.sex,
    Beneficiary.name_ne,
)


def _as_person(b) -> matching.Person:
    """A beneficiary, or a row of _MATCHED_COLUMNS, as the matching rules see a person."""
    return matching.Person(
        given_name=b.given_name,
        family_name=b.family_name,
        date_of_birth=b.date_of_birth,
        dob_estimated=b.dob_estimated,
        sex=b.sex,
        name_ne=b.name_ne,
    )


def _holding_documents(ids: list[int], doc_keys: list[str]) -> set[int]:
    """Of these beneficiaries, those holding one of the identity documents."""
    if not (ids and doc_keys):
        return set()
    stmt = select(IdentityDocument.beneficiary_id).where(
        IdentityDocument.beneficiary_id.in_(ids), IdentityDocument.number_key.in_(doc_keys)
    )
    return set(db.session.scalars(stmt))


def _load_with_documents(ids: list[int]) -> dict[int, Beneficiary]:
    if not ids:
        return {}
    stmt = (
        select(Beneficiary)
        .where(Beneficiary.id.in_(ids))
        .options(selectinload(Beneficiary.documents))
    )
    return {b.id: b for b in db.session.scalars(stmt)}


def household_of(actor: User, registration_number: str) -> int:
    """The household id of the (visible) beneficiary with this registration number."""
    number = (registration_number or "").strip().upper()
    stmt = scope_beneficiaries(actor, select(Beneficiary)).where(
        Beneficiary.registration_number == number
    )
    member = db.session.scalar(stmt)
    if member is None or member.household_id is None:
        raise ValidationError(
            fields={"household_of": [_("No beneficiary with this registration number.")]}
        )
    return member.household_id


def household_members(actor: User, beneficiary: Beneficiary) -> list[Beneficiary]:
    """The other members of the beneficiary's household that the actor may see."""
    if beneficiary.household_id is None:
        return []
    stmt = scope_beneficiaries(actor, select(Beneficiary)).where(
        Beneficiary.household_id == beneficiary.household_id, Beneficiary.id != beneficiary.id
    )
    return list(db.session.scalars(stmt.order_by(Beneficiary.id)))


def person_of(data: dict) -> matching.Person:
    """The matching view of registration input (for the duplicate check)."""
    return matching.Person(
        given_name=data.get("given_name") or "",
        family_name=data.get("family_name") or "",
        date_of_birth=data.get("date_of_birth"),
        dob_estimated=bool(data.get("dob_estimated")),
        sex=data.get("sex") or "unknown",
        name_ne=data.get("name_ne") or "",
    )


def ids_by_registration(actor: User, text: str, field: str = "more_members") -> list[int]:
    """Ids of the visible beneficiaries whose registration numbers are listed in `text`."""
    numbers = [n.strip().upper() for n in (text or "").replace(";", ",").split(",") if n.strip()]
    if not numbers:
        return []
    stmt = scope_beneficiaries(actor, select(Beneficiary.registration_number, Beneficiary.id))
    found = dict(db.session.execute(stmt.where(Beneficiary.registration_number.in_(numbers))).all())
    unknown = [n for n in numbers if n not in found]
    if unknown:
        raise ValidationError(
            fields={
                field: [_("No beneficiary with number %(numbers)s.", numbers=", ".join(unknown))]
            }
        )
    return [found[n] for n in numbers]


def by_ids(actor: User, ids: list[int]) -> list[Beneficiary]:
    """The visible beneficiaries among these ids."""
    if not ids:
        return []
    stmt = scope_beneficiaries(actor, select(Beneficiary)).where(Beneficiary.id.in_(ids))
    return list(db.session.scalars(stmt.order_by(Beneficiary.id)))
