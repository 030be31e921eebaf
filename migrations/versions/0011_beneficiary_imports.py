"""Bulk import of beneficiaries (issue 10): import batches, remembered column mappings.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
