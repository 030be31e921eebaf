"""Likely duplicates of a file's rows: among the office's beneficiaries and earlier rows.

The same candidate keys and the same score as the registration form's duplicate check
(`casework.services.beneficiaries.find_matches`, `casework.domain.matching`), asked for
many rows at once: the file's distinct keys, a few hundred per query (an OR of them, each
term answered by the name or date-of-birth indexes), not one query per row. The candidates come
back as plain columns, and each row is scored only against the candidates that share one
of its keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text

from casework.auth.permissions import scope_beneficiaries
from casework.domain import matching
from casework.extensions import db
from casework.models import Beneficiary, IdentityDocument, User

# Keys per query: SQLite parses an OR of n terms as a tree n deep, and refuses more than
# 1,000 levels; names repeat, so a file's distinct keys are far fewer than its rows × 7.
TERMS = 400


@dataclass(frozen=True)
class Candidate:
    """Someone a row may duplicate: an existing beneficiary (id) or an earlier row."""

    person: matching.Person
    given_key: str
    family_key: str
    doc_keys: frozenset[str]
    beneficiary_id: int | None = None
    registration_number: str = ""
    row: int | None = None


@dataclass(frozen=True)
class Found:
    candidate: Candidate
    score: float


def blocking_keys(given_key: str, family_key: str, born) -> set[tuple]:
    """The keys find_matches looks a person up by, as hashable tuples."""
    keys: set[tuple] = set()
    if given_key and family_key:
        keys |= {("pair", given_key, family_key), ("pair", family_key, given_key)}
        keys.add(("prefix", family_key, given_key[:3]))
    elif given_key:
        keys.add(("given", given_key))
    if born:
        for key in {given_key, family_key} - {""}:
            keys |= {("family_dob", key, born), ("given_dob", key, born)}
    return keys


def candidate_keys(c: Candidate) -> set[tuple]:
    """The keys under which a stored person is found (the other side of blocking_keys)."""
    g, f, born = c.given_key, c.family_key, c.person.date_of_birth
    keys = {("pair", g, f), ("prefix", f, g[:3]), ("given", g)}
    if born:
        keys |= {("family_dob", f, born), ("given_dob", g, born)}
    return keys


class Index:
    """Candidates by key, for scoring a row against those that share a key with it."""

    def __init__(self) -> None:
        self._by_key: dict[tuple, list[Candidate]] = {}
        self._by_doc: dict[str, list[Candidate]] = {}

    def add(self, candidate: Candidate) -> None:
        for key in candidate_keys(candidate):
            self._by_key.setdefault(key, []).append(candidate)
        for doc in candidate.doc_keys:
            self._by_doc.setdefault(doc, []).append(candidate)

    def best(self, me: Candidate, threshold: float) -> Found | None:
        seen: dict[int, Candidate] = {}
        for key in blocking_keys(me.given_key, me.family_key, me.person.date_of_birth):
            for other in self._by_key.get(key, ()):
                seen[id(other)] = other
        for doc in me.doc_keys:
            for other in self._by_doc.get(doc, ()):
                seen[id(other)] = other
        best = None
        for other in seen.values():
            same_doc = bool(me.doc_keys & other.doc_keys)
            score = matching.match_score(me.person, other.person, same_document=same_doc)
            if score >= threshold and (best is None or score > best.score):
                best = Found(other, score)
        return best


def existing_candidates(actor: User, rows: list[Candidate]) -> Index:
    """The beneficiaries the actor may see who share a key with any of the rows."""
    keys = sorted(
        set().union(
            *(blocking_keys(r.given_key, r.family_key, r.person.date_of_birth) for r in rows)
        ),
        key=repr,
    )
    docs = sorted(set().union(*(r.doc_keys for r in rows)))
    index, seen = Index(), set()
    # PostgreSQL takes the whole file's keys as arrays in one query; SQLite, TERMS at a time.
    step = TERMS if db.session.get_bind().dialect.name == "sqlite" else len(keys) + len(docs)
    for start in range(0, max(len(keys), len(docs)), max(step, 1)):
        part = _query(actor, keys[start : start + step], docs[start : start + step])
        for candidate in part:
            if candidate.beneficiary_id not in seen:  # several keys find one person
                seen.add(candidate.beneficiary_id)
                index.add(candidate)
    return index


# Each term an equality (or a range) on indexed columns: SQLite answers an OR of such
# terms index by index (a row-value IN list it would answer by a scan). Written as SQL
# text: building thousands of SQLAlchemy expressions took longer than running them.
_TERMS = {
    "pair": "(family_key = :{1} AND given_key = :{0})",
    "prefix": "(family_key = :{0} AND given_key >= :{1} AND given_key < :{2})",
    "given": "(given_key = :{0})",
    "family_dob": "(family_key = :{0} AND date_of_birth = :{1})",
    "given_dob": "(given_key = :{0} AND date_of_birth = :{1})",
}


def _conditions(keys: list[tuple], docs: list[str], dialect: str):
    terms, params = [], {}

    def param(value) -> str:
        name = f"k{len(params)}"
        if hasattr(value, "isoformat") and dialect == "sqlite":
            value = value.isoformat()  # as SQLAlchemy stores a Date on SQLite
        params[name] = value
        return name

    for kind, *values in keys:
        if kind == "prefix":
            values.append(_after(values[1]))
        terms.append(_TERMS[kind].format(*(param(v) for v in values)))
    if docs:
        names = ", ".join(":" + param(d) for d in docs)
        terms.append(
            "(id IN (SELECT beneficiary_id FROM identity_documents "  # noqa: S608  # nosec B608  # only the
            f"WHERE number_key IN ({names})))"  # names of bound parameters are formatted in
        )
    return terms, params


# PostgreSQL: each kind of key as arrays joined to the table (index lookups per key); an OR
# of thousands of terms costs it more to plan than to run.
_PG_KINDS = {
    "pair": (("f", "text", 1), ("g", "text", 0)),
    "prefix": (("f", "text", 0), ("p", "text", 1), ("q", "text", 2)),
    "given": (("g", "text", 0),),
    "family_dob": (("f", "text", 0), ("d", "date", 1)),
    "given_dob": (("g", "text", 0), ("d", "date", 1)),
}
_PG_JOINS = {
    "pair": "b2.family_key = k.f AND b2.given_key = k.g",
    "prefix": "b2.family_key = k.f AND b2.given_key >= k.p AND b2.given_key < k.q",
    "given": "b2.given_key = k.g",
    "family_dob": "b2.family_key = k.f AND b2.date_of_birth = k.d",
    "given_dob": "b2.given_key = k.g AND b2.date_of_birth = k.d",
}


def _pg_condition(keys: list[tuple], docs: list[str]):
    by_kind: dict[str, list[list]] = {}
    for kind, *values in keys:
        if kind == "prefix":
            values.append(_after(values[1]))
        by_kind.setdefault(kind, []).append(values)
    parts, params = [], {"docs": docs}
    for kind, columns in _PG_KINDS.items():
        rows = by_kind.get(kind, [])
        arrays = []
        for name, sql_type, position in columns:
            params[f"{kind}_{name}"] = [row[position] for row in rows]
            arrays.append(f"CAST(:{kind}_{name} AS {sql_type}[])")
        names = ", ".join(name for name, _, _ in columns)
        parts.append(
            f"SELECT b2.id FROM beneficiaries b2 JOIN unnest({', '.join(arrays)}) "  # noqa: S608  # nosec B608  # fixed names only
            f"AS k({names}) ON {_PG_JOINS[kind]}"  # (values are bound parameters)
        )
    parts.append("SELECT beneficiary_id FROM identity_documents WHERE number_key = ANY(:docs)")
    return text("beneficiaries.id IN (" + " UNION ".join(parts) + ")"), params


def _query(actor: User, keys: list[tuple], docs: list[str]) -> list[Candidate]:
    b = Beneficiary
    dialect = db.session.get_bind().dialect.name
    if not keys and not docs:
        return []
    if dialect == "postgresql":
        condition, params = _pg_condition(keys, docs)
        conditions = [condition]
    else:
        terms, params = _conditions(keys, docs, dialect)
        # In parentheses: the scope's office condition is ANDed with the whole OR.
        conditions = [text("(" + " OR ".join(terms) + ")")]
    stmt = scope_beneficiaries(
        actor,
        select(
            b.id,
            b.registration_number,
            b.given_name,
            b.family_name,
            b.name_ne,
            b.sex,
            b.date_of_birth,
            b.dob_estimated,
            b.given_key,
            b.family_key,
        ),
    ).where(*conditions)
    found = db.session.execute(stmt, params).all()
    doc_keys = _document_keys([row.id for row in found]) if docs else {}
    return [
        Candidate(
            person=matching.Person(
                row.given_name,
                row.family_name,
                row.date_of_birth,
                row.dob_estimated,
                row.sex,
                row.name_ne,
            ),
            given_key=row.given_key,
            family_key=row.family_key,
            doc_keys=frozenset(doc_keys.get(row.id, ())),
            beneficiary_id=row.id,
            registration_number=row.registration_number,
        )
        for row in found
    ]


def _after(prefix: str) -> str:
    """The smallest string after every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"


def _document_keys(ids: list[int]) -> dict[int, set[str]]:
    keys: dict[int, set[str]] = {}
    for start in range(0, len(ids), 5000):
        stmt = select(IdentityDocument.beneficiary_id, IdentityDocument.number_key).where(
            IdentityDocument.beneficiary_id.in_(ids[start : start + 5000])
        )
        for beneficiary_id, key in db.session.execute(stmt):
            keys.setdefault(beneficiary_id, set()).add(key)
    return keys
