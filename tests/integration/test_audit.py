"""The hash-chained audit log detects edited and deleted rows."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from casework import audit
from casework.cli import verify_command
from casework.extensions import db
from casework.models import AuditEvent


@pytest.fixture
def chain():
    for n in range(5):
        audit.record("test.event", object_type="thing", object_id=n, changes={"n": [None, n]})
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def _verify_cli(app):
    return app.test_cli_runner().invoke(verify_command)


def test_intact_chain_verifies(app, chain):
    result = audit.verify()
    assert result.ok and result.count == 5
    cli = _verify_cli(app)
    assert cli.exit_code == 0
    assert cli.output.strip() == "ok: 5 events"


def test_each_event_links_to_the_one_before(chain):
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert events[0].prev_hash == audit.GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.other"),
        ("username", "someone-else"),
        ("object_id", "99"),
        ("ip_address", "10.0.0.1"),
    ],
)
def test_edited_row_is_named(app, chain, column, value):
    target = chain[2]
    db.session.execute(update(AuditEvent).where(AuditEvent.id == target).values({column: value}))
    db.session.commit()
    result = audit.verify()
    assert not result.ok
    assert result.bad_event_id == target
    cli = _verify_cli(app)
    assert cli.exit_code == 1
    assert f"event {target}" in cli.output


def test_edited_changes_are_detected(chain):
    target = chain[1]
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == target).values(changes={"n": [None, 42]})
    )
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.bad_event_id == target


def test_rehashed_edit_breaks_the_next_link(chain):
    """Recomputing the edited row's own hash does not help: the next event names it."""
    event = db.session.get(AuditEvent, chain[2])
    event.action = "test.forged"
    event.hash = audit.compute_hash(event)
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.bad_event_id == chain[3]


def test_deleted_row_is_detected(app, chain):
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == chain[2]))
    db.session.commit()
    result = audit.verify()
    assert not result.ok
    assert result.bad_event_id == chain[3]
    assert _verify_cli(app).exit_code == 1


def test_redacted_changes_still_verify(chain):
    """Retention may erase personal data from a diff without breaking the chain."""
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == chain[0]).values(changes=audit.REDACTED)
    )
    db.session.commit()
    assert audit.verify().ok


def test_diff_lists_only_changed_fields():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
