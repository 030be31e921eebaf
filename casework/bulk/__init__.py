"""Bulk loading (demo data at scale): many rows per statement, and a history in time order.

A `Loader` collects rows as dicts keyed by column name (a missing key takes the column's
default) and writes them table by table in foreign-key order, through the session's
connection and so inside its transaction (casework.bulk.writers: COPY on PostgreSQL, one
executemany on SQLite), each value as the ORM would store it (casework.bulk.values).
Ids are reserved by the loader (PostgreSQL: from the table's sequence;
SQLite: after the largest id, safe because SQLite serialises writers), so rows can point at
each other before they are written.

History comes in as events with a time: lines of a case's history (each with its audit
event, as `casework.services.cases.record_event` writes them) and audit events of their
own. `flush(until)` writes the events due before `until` in time order, so case events
and audit events get ids in the order things happened; audit events are chained exactly
as `casework.audit.record` chains them (same lock, same `digest_changes` and
`compute_hash`), so `flask audit verify` holds.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import Table

from casework import audit
from casework.bulk.keys import Keys
from casework.bulk.rebuild import SetAside
from casework.bulk.values import Converter
from casework.bulk.writers import Background, Writer
from casework.extensions import db
from casework.models import AuditEvent, CaseEvent
from casework.services.cases import history_audit_changes


@dataclass(frozen=True)
class Actor:
    """Who did something: a user's id and username (None and "" for the system)."""

    id: int | None
    username: str


SYSTEM = Actor(None, "")


def history_row(case_id, actor: Actor, event: str, from_status, to_status, comment, changes):
    """A case-history line as `casework.services.cases.record_event` stores it."""
    return {
        "case_id": case_id,
        "user_id": actor.id,
        "event": event,
        "from_status": from_status,
        "to_status": to_status,
        "comment": comment or "",
        "changes": audit.jsonable(changes or {}),
    }


class Loader:
    """One load: a transaction that holds the audit chain (and SQLite's write lock) from
    the start until `close` commits, so that nobody else adds rows meanwhile.

    `set_aside`: models whose secondary indexes and foreign keys PostgreSQL drops for the
    load and makes again at `close` (casework.bulk.rebuild).
    """

    def __init__(self, *, set_aside: tuple = ()) -> None:
        self.dialect = db.session.get_bind().dialect
        audit.lock_chain()
        self.keys = Keys(self.dialect, quiet=self.finish)
        self._rows: dict[Table, list[dict]] = defaultdict(list)
        # (time, sequence, audit event, history line or None): the sequence keeps the order
        # of things done at one moment, and tuples compare without Python code.
        self._due: list[tuple] = []
        self._seq = itertools.count()
        self._writer = Writer(self.dialect)
        self._converters: dict[str, Converter] = {}
        self._writing: Background | None = None
        self._aside = None
        if set_aside and self.dialect.name == "postgresql":
            self._aside = SetAside([model.__table__ for model in set_aside])
            self._aside.drop()
        if self.dialect.name == "sqlite":
            # The connection's page cache (32 MB for the app) would hold a fraction of the
            # indexes a million rows are added to; 512 MB keeps them in memory for the load.
            db.session.connection().exec_driver_sql("PRAGMA cache_size=-524288")

    # --- rows -----------------------------------------------------------------------

    def ids(self, model, count: int) -> list[int]:
        """`count` fresh primary keys of the model's table."""
        return self.keys.ids(getattr(model, "__table__", model), count)

    def next_id(self, model) -> int:
        return self.ids(model, 1)[0]

    def add(self, model, rows: list[dict] | dict) -> None:
        bucket = self._rows[model.__table__]
        if isinstance(rows, dict):
            bucket.append(rows)
        else:
            bucket.extend(rows)

    # --- history --------------------------------------------------------------------

    def audit_at(self, at: datetime, actor: Actor, action: str, object_type, object_id, changes):
        """An audit event at `at`, as `casework.audit.record` would have written it then.

        `changes` must be JSON-ready already (`audit.diff` gives that; else `audit.jsonable`):
        converting a million registrations' diffs twice would cost a tenth of the load.
        """
        event = {
            "occurred_at": at,
            "user_id": actor.id,
            "username": actor.username,
            "ip_address": "",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id) if object_id != "" else "",
            "changes": changes or {},
        }
        heapq.heappush(self._due, (at, next(self._seq), event, None))

    def history_at(
        self,
        at: datetime,
        case_id: int,
        actor: Actor,
        event: str,
        *,
        from_status: str | None = None,
        to_status: str | None = None,
        comment: str = "",
        changes: dict | None = None,
    ) -> None:
        """A line of a case's history and its audit event (`cases.record_event`)."""
        line = history_row(case_id, actor, event, from_status, to_status, comment, changes)
        line["occurred_at"] = at
        logged = history_audit_changes(line["changes"], from_status, to_status, comment)
        event_row = self._audit_row(at, actor, event, case_id, logged)
        heapq.heappush(self._due, (at, next(self._seq), event_row, line))

    @staticmethod
    def _audit_row(at, actor: Actor, event: str, case_id: int, changes: dict) -> dict:
        return {
            "occurred_at": at,
            "user_id": actor.id,
            "username": actor.username,
            "ip_address": "",
            "action": f"case.{event}",
            "object_type": "case",
            "object_id": str(case_id),
            "changes": changes,
        }

    def _take_due(self, until: datetime | None) -> list[tuple]:
        due, heap = [], self._due
        while heap and (until is None or heap[0][0] < until):
            due.append(heapq.heappop(heap))
        return due

    # --- writing --------------------------------------------------------------------

    def flush(self, until: datetime | None = None) -> None:
        """Prepare every row collected and the events due before `until` (None: all), and
        start writing them in the background; `finish` waits until they are written."""
        self.finish()  # one flush at a time, in order
        due = self._take_due(until)
        lines = [line for *_, line in due if line is not None]
        for line, line_id in zip(lines, self.ids(CaseEvent, len(lines)), strict=True):
            line["id"] = line_id
        self.add(CaseEvent, lines)
        if due:
            self._chain([event for _, _, event, _ in due])
        jobs = []
        for table in db.metadata.sorted_tables:
            rows = self._rows.pop(table, None)
            if rows:
                self._number(table, rows)
                jobs.append(self._job(table, rows))
        raw = db.session.connection().connection.driver_connection
        self._writing = Background(jobs, raw)

    def finish(self) -> None:
        """Wait for the rows of the last flush to be written (before a commit)."""
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.join()

    def abandon(self) -> None:
        """After a failure: let the writing thread stop, and roll the whole load back
        (on PostgreSQL that puts the indexes and foreign keys back too)."""
        if self._writing is not None:
            self._writing.join(raise_error=False)
            self._writing = None
        db.session.rollback()

    def close(self) -> None:
        """Everything written, counters moved on, indexes and foreign keys made again,
        committed."""
        self.finish()
        self.keys.close()
        if self._aside is not None:
            self._aside.restore()
            self._aside = None
        db.session.commit()

    def _number(self, table: Table, rows: list[dict]) -> None:
        """Ids for the rows that nothing pointed at before (so they were given none)."""
        if table.autoincrement_column is None:
            return
        missing = [row for row in rows if "id" not in row]
        for row, row_id in zip(missing, self.ids(table, len(missing)), strict=True):
            row["id"] = row_id

    def _chain(self, events: list[dict]) -> None:
        """Ids, digests and hashes in order, onto the newest event already stored."""
        prev_hash = audit.last_hash()
        for event, event_id in zip(events, self.ids(AuditEvent, len(events)), strict=True):
            event["id"] = event_id
            event["changes_digest"] = audit.digest_changes(event["changes"])
            event["prev_hash"] = prev_hash
            event["hash"] = prev_hash = audit.compute_hash(SimpleNamespace(**event))
        self.add(AuditEvent, events)

    def _job(self, table: Table, rows: list[dict]):
        converter = self._converters.get(table.name)
        if converter is None:
            converter = self._converters[table.name] = Converter(table, self.dialect)
        return self._writer.job(table, converter.names, converter(rows))
