"""Primary keys and counter numbers for a load that holds the database for itself.

A load is one transaction, and it locks the audit chain first (on SQLite that is the
database's write lock, on PostgreSQL an advisory lock; the tables it sets aside are locked
too), so nobody else adds rows meanwhile. Keys are then handed out here, asking the
database only now and then: a window being written is one long statement on the shared
connection, which the question has to wait for.

- Ids: PostgreSQL takes them from the table's sequence, a block at a time; SQLite counts
  on from the largest id stored.
- Registration and case numbers come from their counter rows through the services'
  `take_numbers`: the row is locked at its first use (taking none), numbers are counted
  here, and at the end the counter is moved on by as many as were used.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from casework.extensions import db
from casework.services.numbering import take_numbers

# Ids per trip to a sequence: a thousand, doubling up to 50,000 as a table takes more (the
# rest of the last block stays unused: a gap in the ids, as a rolled-back insert leaves).
PG_BLOCKS = (1_000, 50_000)


class Keys:
    """`quiet` is called before each question to the database: it waits for the writing
    thread, because a driver connection must not be used by two threads at once (Python's
    sqlite3 corrupts its statements then; psycopg would only wait)."""

    def __init__(self, dialect, quiet) -> None:
        self.dialect, self.quiet = dialect, quiet
        self._free: dict[str, tuple[list[int], int]] = {}  # PostgreSQL: a block, how far used
        self._next: dict[str, int] = {}  # SQLite: the next id of each table
        self._sizes: dict[str, int] = {}  # PostgreSQL: the size of the next block
        self._counters: dict[tuple, list[int]] = {}  # (model, key) -> [first, used]

    def ids(self, table, count: int) -> list[int]:
        if count <= 0:
            return []
        if self.dialect.name == "sqlite":
            if table.name not in self._next:
                self.quiet()
                self._next[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
            first = self._next[table.name]
            self._next[table.name] = first + count
            return list(range(first, first + count))
        block, at = self._free.get(table.name, ([], 0))
        if len(block) - at < count:
            size = self._sizes[table.name] = min(
                self._sizes.get(table.name, PG_BLOCKS[0]) * 2, PG_BLOCKS[1]
            )
            block, at = block[at:] + self._reserve(table, max(size, count)), 0
        self._free[table.name] = (block, at + count)
        return block[at : at + count]

    def _reserve(self, table, count: int) -> list[int]:
        self.quiet()
        return list(
            db.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"table": table.name, "n": count},
            )
        )

    def numbers(self, counter_model, count: int, **key) -> int:
        """Reserve `count` numbers of a counter (as `take_numbers`); returns the first."""
        slot = (counter_model, tuple(sorted(key.items())))
        counter = self._counters.get(slot)
        if counter is None:
            self.quiet()
            counter = self._counters[slot] = [take_numbers(counter_model, 0, **key), 0]
        first = counter[0] + counter[1]
        counter[1] += count
        return first

    def close(self) -> None:
        """Move each counter on by the numbers used (its row has been locked all along)."""
        for (counter_model, key), (first, used) in self._counters.items():
            # Not an assert: under `python -O` the counter would not move at all.
            taken = take_numbers(counter_model, used, **dict(key))
            if taken != first:
                raise RuntimeError(f"number counter moved under a lock: {taken} != {first}")
        self._counters = {}
