"""Sequential numbers (registration and case numbers) from counter rows.

The counter row is locked for the rest of the transaction (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the database's write lock, taken before the read: see
hold_sqlite_write_lock), so two requests never get the same number. The
first number of a new year or office creates the row; if two requests race to create it,
one insert fails inside a savepoint and that request locks the winner's row instead.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework.extensions import db, hold_sqlite_write_lock


def take_numbers(counter_model, count: int = 1, **key) -> int:
    """Reserve `count` numbers; returns the first. `key` names the counter row."""
    hold_sqlite_write_lock()  # SQLite ignores FOR UPDATE: lock before reading the counter
    stmt = select(counter_model).filter_by(**key).with_for_update()
    counter = db.session.scalar(stmt)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(counter_model(**key, last_number=0))
        except IntegrityError:
            pass  # created by a concurrent request: lock theirs below
        counter = db.session.scalar(stmt)
    first = counter.last_number + 1
    counter.last_number += count
    db.session.flush()
    return first
