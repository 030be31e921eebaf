"""Name search at scale: a trigram index of beneficiaries' folded names; the office index.

SQLite: an FTS5 external-content table with the trigram tokenizer, kept in step with
`beneficiaries.search_text` by triggers. PostgreSQL: pg_trgm and a GIN index (pg_trgm is
a trusted extension from PostgreSQL 13: the database owner may create it). See
casework/search_index.py.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE beneficiary_search USING fts5("
    "search_text, content='beneficiaries', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER beneficiary_search_insert AFTER INSERT ON beneficiaries BEGIN "
    "INSERT INTO beneficiary_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER beneficiary_search_delete AFTER DELETE ON beneficiaries BEGIN "
    "INSERT INTO beneficiary_search(beneficiary_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER beneficiary_search_update AFTER UPDATE OF search_text ON beneficiaries BEGIN "
    "INSERT INTO beneficiary_search(beneficiary_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO beneficiary_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO beneficiary_search(beneficiary_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS beneficiary_search_update",
    "DROP TRIGGER IF EXISTS beneficiary_search_delete",
    "DROP TRIGGER IF EXISTS beneficiary_search_insert",
    "DROP TABLE IF EXISTS beneficiary_search",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_beneficiaries_search_text_trgm ON beneficiaries "
    "USING gin (search_text gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_beneficiaries_search_text_trgm"]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.create_index('ix_beneficiaries_office_code', ['office_code'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_UP)
    elif dialect == 'postgresql':
        _run(POSTGRES_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _run(SQLITE_DOWN)
    elif dialect == 'postgresql':
        _run(POSTGRES_DOWN)
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_index('ix_beneficiaries_office_code')
