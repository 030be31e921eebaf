"""PostgreSQL: secondary indexes and foreign keys set aside for a load, then made again.

PostgreSQL's own advice for populating a database ("Populating a Database" in its manual:
use COPY, remove indexes, remove foreign key constraints, raise maintenance_work_mem): a
foreign key is checked row by row by a trigger and every index is updated row by row,
while an index built afterwards sorts once and a foreign key added afterwards is checked
by one join. Measured here, 200,000 beneficiaries take 20 s to COPY with their nine
indexes and six foreign keys in place, and 5 s to COPY then index and constrain.

Everything happens in the load's one transaction: each index and constraint is made again
from its own definition in the catalogue (`pg_get_indexdef`, `pg_get_constraintdef`)
before the commit, and if the load fails the rollback puts them back as they were. Primary
keys and unique constraints stay (rows are checked against them as they come), and so do
foreign keys of other tables that point at these.
"""

from __future__ import annotations

from sqlalchemy import Table, text

from casework.extensions import db

INDEXES = text(
    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisprimary AND NOT EXISTS "
    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
)
FOREIGN_KEYS = text(
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f' ORDER BY conname"
)
INDEX_MEMORY = "256MB"  # maintenance_work_mem while the indexes are built


class SetAside:
    def __init__(self, tables: list[Table]) -> None:
        self.tables = tables
        self._again: list[str] = []  # indexes first, then foreign keys

    def drop(self) -> None:
        """Drop the indexes and foreign keys of the tables (remembering how to make them)."""
        quote = db.session.get_bind().dialect.identifier_preparer.quote
        indexes, keys, drops = [], [], []
        for table in self.tables:
            name = quote(table.name)
            for index, definition in db.session.execute(INDEXES, {"table": table.name}):
                indexes.append(definition)
                drops.append(f"DROP INDEX {index}")
            for constraint, definition in db.session.execute(FOREIGN_KEYS, {"table": table.name}):
                keys.append(f"ALTER TABLE {name} ADD CONSTRAINT {quote(constraint)} {definition}")
                drops.append(f"ALTER TABLE {name} DROP CONSTRAINT {quote(constraint)}")
        for statement in drops:
            db.session.execute(text(statement))
        self._again = indexes + keys

    def restore(self) -> None:
        """Make them again, in the same transaction (before the commit)."""
        db.session.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'"))
        for statement in self._again:
            db.session.execute(text(statement))
        self._again = []
