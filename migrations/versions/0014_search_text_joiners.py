"""Recompute the search text of people whose Devanagari name holds a zero-width joiner.

Before this release a zero-width joiner or non-joiner (U+200D, U+200C: Nepali keyboards
type them in half letters, श्‍याम) split the word in `beneficiaries.search_text`, so the
name typed without it found nobody. casework.domain.matching now drops them; this
recomputes the rows that have one, through the same function registration uses (the
rule being repaired is that function's, so a copy here could only drift from it). Only
those rows are read: none at all on most databases.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:30:00

"""
import sqlalchemy as sa
from alembic import op

from casework.domain.matching import search_text

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

people = sa.table(
    'beneficiaries',
    sa.column('id', sa.Integer),
    sa.column('given_name', sa.String),
    sa.column('family_name', sa.String),
    sa.column('name_ne', sa.String),
    sa.column('search_text', sa.String),
)


def upgrade():
    connection = op.get_bind()
    with_joiner = sa.or_(people.c.name_ne.contains('\u200c'), people.c.name_ne.contains('\u200d'))
    rows = connection.execute(
        sa.select(people.c.id, people.c.given_name, people.c.family_name, people.c.name_ne).where(
            with_joiner
        )
    ).all()
    for row in rows:
        text = search_text(row.given_name, row.family_name, row.name_ne or '')[:400]
        connection.execute(
            people.update().where(people.c.id == row.id).values(search_text=text)
        )


def downgrade():
    pass  # the old search text was the bug; nothing to restore
