"""Rows (dicts keyed by column name) as tuples of values the database driver takes.

Each value goes the way the ORM would send it: through its column type's bind processor.
A few processors are replaced by one call that gives the same result (checked against the
processor itself when the converter is made), because at a million rows per table they
are most of the Python time: SQLite's date and time formatting, and the JSON of the short
code lists that many rows share. PostgreSQL's COPY takes JSON as text.
"""

from __future__ import annotations

import json
import operator
from datetime import UTC, date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Table

SAMPLE_TIME = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
SAMPLE_DAY = date(2026, 1, 2)


def _default(column):
    """The value a column takes when a row leaves it out (its Python-side default)."""
    default = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


class _SQLiteTime:
    """SQLAlchemy's SQLite storage of a UTC time; the last one is remembered, because the
    rows of a table often share a time (created and updated, an event and its audit)."""

    def __init__(self) -> None:
        self.last, self.text = None, None

    def __call__(self, value):
        if value is None:
            return None
        if value is not self.last:
            utc = value.astimezone(UTC).replace(tzinfo=None)
            self.last, self.text = value, utc.isoformat(" ", "microseconds")
        return self.text


def _sqlite_day(value):
    return None if value is None else value.isoformat()


class _JSONText:
    """JSON text of a value; lists (of codes, mostly the same few) are remembered."""

    def __init__(self, dumps) -> None:
        self.dumps, self.known = dumps, {}

    def __call__(self, value):
        if type(value) is not list:
            return self.dumps(value)
        try:
            key = tuple(value)
            text = self.known.get(key)
        except TypeError:  # a list of dicts: not hashable, not shared
            return self.dumps(value)
        if text is None:
            text = self.known[key] = self.dumps(value)
        return text


def _same(fast, slow, sample) -> bool:
    return slow is not None and fast(sample) == slow(sample)


def _processor(column, dialect):
    """How a value of this column reaches the driver (None: as it is)."""
    impl = column.type.dialect_impl(dialect)
    slow = impl.bind_processor(dialect)
    if isinstance(column.type, JSON):
        # psycopg gets a JSON wrapper from the ORM; COPY wants text.
        return _JSONText(json.dumps if dialect.name == "postgresql" else slow)
    if dialect.name != "sqlite":
        return slow
    if isinstance(impl, Boolean):
        return None  # sqlite3 stores True and False as 1 and 0 itself
    if isinstance(impl, DateTime) or isinstance(getattr(impl, "impl", None), DateTime):
        fast = _SQLiteTime()
        return fast if _same(fast, slow, SAMPLE_TIME) else slow
    if isinstance(impl, Date):
        return _sqlite_day if _same(_sqlite_day, slow, SAMPLE_DAY) else slow
    return slow


class Converter:
    """Turns one table's rows into tuples in column order."""

    def __init__(self, table: Table, dialect) -> None:
        columns = list(table.columns)
        self.columns = columns
        self.names = [c.name for c in columns]
        self._get = operator.itemgetter(*self.names)
        self._processors = [
            (index, processor)
            for index, column in enumerate(columns)
            if (processor := _processor(column, dialect)) is not None
        ]

    def __call__(self, rows: list[dict]) -> list[tuple]:
        # Callable defaults (timestamps, empty lists) are taken once per batch of rows.
        fill = {c.name: _default(c) for c in self.columns}
        get, processors = self._get, self._processors
        values = []
        for row in rows:
            try:
                record = get(row)
            except KeyError:  # a column left to its default
                record = get({**fill, **row})
            if processors:
                record = list(record)
                for index, processor in processors:
                    record[index] = processor(record[index])
                record = tuple(record)
            values.append(record)
        return values
