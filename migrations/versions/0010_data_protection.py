"""Data protection (issue 8): consent per purpose, retention and anonymisation.

Beneficiaries get `anonymised_at`: set by `flask casework retention --apply` when the
person's names, contacts, documents and free text were removed (casework.services.retention).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column: SQLite adds it in place (no table copy, the search triggers stay).
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
