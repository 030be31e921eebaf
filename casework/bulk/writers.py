"""Writing prepared rows, table by table, in a thread of their own.

The rows of a flush are written while the next window is generated: the database's part
(SQLite's C code, which releases the GIL; PostgreSQL's server process) runs alongside the
Python that makes the next rows, which on this 2-core machine takes a third off the load.
The thread uses the session's own driver connection, so the writes belong to the session's
transaction. Meanwhile the main thread does not use the connection (a driver connection
must not serve two threads at once): it waits for the thread (`Background.join`) before
any query, and before it commits.

PostgreSQL: COPY, several times faster than multi-row INSERTs. SQLite: the rows as one
JSON array and one INSERT … SELECT over json_each, so the whole table's rows are one
statement that runs in SQLite's C code without the GIL. (An executemany is a statement
per row, each taking the GIL back from the main thread, which made a writer thread no
faster than writing in line; and a trigger, such as the one that keeps the FTS5 search
index of migration 0007, then ran row by row: 100,000 people took 11 s that way.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from sqlalchemy import Table

Job = Callable[[object], None]  # writes with the driver connection it is given


class Writer:
    def __init__(self, dialect) -> None:
        self.dialect = dialect
        self._quote = dialect.identifier_preparer.quote

    def job(self, table: Table, names: list[str], values: list[tuple]) -> Job:
        """How to write these rows (prepared now, in the thread that owns the session)."""
        name = self._quote(table.name)
        columns = ", ".join(self._quote(column) for column in names)
        if self.dialect.name == "postgresql":
            return _copy(f"COPY {name} ({columns}) FROM STDIN", values)
        # Names come from the models, never from input (hence the noqa).
        fields = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(names)))
        insert = f"INSERT INTO {name} ({columns}) SELECT {fields} FROM json_each(?)"  # noqa: S608  # nosec B608  # names from the models
        rows = json.dumps(values, separators=(",", ":"))
        return lambda raw: raw.execute(insert, (rows,))


def _copy(sql: str, values: list[tuple]) -> Job:
    def write(raw) -> None:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in values:
                copy.write_row(row)

    return write


class Background(threading.Thread):
    """Runs the jobs of one flush in order; `join` re-raises what went wrong."""

    def __init__(self, jobs: list[Job], raw) -> None:
        super().__init__(name="bulk-writer", daemon=True)
        self.jobs, self.raw, self.error = jobs, raw, None
        self.start()

    def run(self) -> None:
        try:
            for job in self.jobs:
                job(self.raw)
        except BaseException as error:  # noqa: BLE001  (handed to the main thread)
            self.error = error

    def join(self, timeout=None, *, raise_error: bool = True) -> None:
        super().join(timeout)
        if self.error is not None and raise_error:
            raise self.error
