"""Sign-in hardening (issue 8): throttling and lockout, password change on first sign-in, two-factor (TOTP) with recovery codes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 03:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
