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


def queries_of(client, url: str, **kwargs) -> tuple[list[str], object]:
    """The statements one GET of `url` sends, and its response, as a real request would:
    the test's session forgets what it holds first, so nothing comes from its identity
    map that a request of its own would have to load."""
    db.session.expunge_all()
    with statements() as seen:
        response = client.get(url, **kwargs)
    return seen, response
