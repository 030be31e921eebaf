"""Two writers at once: what the load test (loadtest/) found with two gunicorn workers.

Each test plays the other worker with a second connection that writes at the worst moment:
right after this request has read what it is about to write on.

- SQLite: the previous audit hash and a number counter are read under the database's write
  lock, so the other writer has to wait (here, with a short busy timeout, it gives up);
  before, the read ran outside any transaction, and the chain forked or a number was given
  twice.
- Both databases: an edit whose row changed between its read and its write answers 409
  stale_version (it was a 500).
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from casework import audit
from casework.extensions import db
from casework.models import AuditEvent, Beneficiary, CaseCounter, utcnow
from casework.services.numbering import take_numbers
from tests.factories import BeneficiaryFactory


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


@contextmanager
def other_writer_after(pattern: str, write):
    """After this session's first statement matching `pattern`, `write(session)` runs on a
    second connection and commits; yields the list of what happened: "wrote" or "waited"."""
    this_engine, other_engine = db.engine, create_engine(db.engine.url)
    happened: list[str] = []

    def after(conn, cursor, statement, parameters, context, executemany):
        if happened or conn.engine is not this_engine or not re.search(pattern, statement):
            return
        happened.append("writing")
        with Session(other_engine) as other:
            if other_engine.dialect.name == "sqlite":
                other.connection().exec_driver_sql("PRAGMA busy_timeout=50")
            try:
                write(other)
                other.commit()
                happened[:] = ["wrote"]
            except OperationalError as error:
                if "database is locked" not in str(error):
                    raise
                other.rollback()
                happened[:] = ["waited"]

    event.listen(this_engine, "after_cursor_execute", after)
    try:
        yield happened
    finally:
        event.remove(this_engine, "after_cursor_execute", after)
        other_engine.dispose()


def _append_event(session: Session) -> None:
    """What another worker's request does: chain one event onto the newest."""
    newest = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    other = AuditEvent(
        occurred_at=utcnow(),
        user_id=None,
        username="other worker",
        ip_address="",
        action="test.other",
        object_type="",
        object_id="",
        changes={},
        prev_hash=newest or audit.GENESIS_HASH,
    )
    other.changes_digest = audit.digest_changes(other.changes)
    other.hash = audit.compute_hash(other)
    session.add(other)


def test_an_event_that_is_the_first_write_chains_under_the_write_lock():
    """A profile view writes nothing but its audit event: its read of the previous hash
    used to run outside any transaction on SQLite, and two workers forked the chain."""
    if not _is_sqlite():
        pytest.skip("PostgreSQL serialises the chain with an advisory lock")
    first = audit.record("test.first")
    db.session.commit()
    with other_writer_after(r"SELECT audit_events.hash\s+FROM audit_events", _append_event) as o:
        view = audit.record("beneficiary.view", object_type="beneficiary", object_id=1)
        db.session.commit()
    assert o == ["waited"]
    assert view.prev_hash == first.hash
    assert audit.verify().ok


def test_a_counter_is_read_under_the_write_lock():
    """Opening a case reads its counter before any write: two workers took the same
    number (a unique-constraint 500 on the case number)."""
    if not _is_sqlite():
        pytest.skip("PostgreSQL locks the counter row with SELECT … FOR UPDATE")
    key = {"office_code": "KTM", "kind_code": "CV", "year": 2026}
    first = take_numbers(CaseCounter, **key)
    db.session.commit()

    def take_one(session: Session) -> None:
        session.execute(
            update(CaseCounter).filter_by(**key).values(last_number=CaseCounter.last_number + 1)
        )

    with other_writer_after(r"FROM case_counters", take_one) as o:
        second = take_numbers(CaseCounter, **key)
        db.session.commit()
    assert o == ["waited"]
    assert second == first + 1
    db.session.expire_all()
    assert db.session.get(CaseCounter, ("KTM", "CV", 2026)).last_number == second


def test_an_edit_whose_row_changed_since_its_read_is_409(api_as):
    """Both edits carried the version they read; the second one's UPDATE … WHERE version
    found no row (StaleDataError), which answered 500."""
    api = api_as("caseworker")
    person_id = BeneficiaryFactory(office_code="KTM", given_name="Sita").id
    db.session.commit()

    def edit_first(session: Session) -> None:
        session.execute(
            update(Beneficiary)
            .where(Beneficiary.id == person_id)
            .values(given_name="Gita", version=Beneficiary.version + 1)
        )

    with other_writer_after(r"FROM beneficiaries\s+WHERE beneficiaries.id", edit_first) as o:
        response = api.patch(
            f"/api/v1/beneficiaries/{person_id}", json={"version": 1, "given_name": "Maya"}
        )
    assert o == ["wrote"]
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "stale_version"
    db.session.expire_all()
    row = db.session.get(Beneficiary, person_id)
    assert (row.given_name, row.version) == ("Gita", 2)
