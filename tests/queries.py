"""The SQL statements a request sends, for tests of how many queries a page makes."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from casework.extensions import db


@contextmanager
def statements():
    """Collects the text of every statement sent while the block runs."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
