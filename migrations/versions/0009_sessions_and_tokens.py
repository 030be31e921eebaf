"""Sessions and API tokens (issue 8): no schema change.

The times of sign-in and last activity live in the signed session cookie (so enforcing
the timeouts writes nothing), the timeouts themselves in the settings table, and the API
rate-limit counts in Flask-Limiter's storage (memory or Redis). The revision stays so that
the chain 0008 -> 0009 -> 0010 is the one the other migrations were written against.

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
