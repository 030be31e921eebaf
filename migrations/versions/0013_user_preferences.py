"""Each user's language, calendar (AD, BS or both) and digits (Latin or Devanagari).

Defaults keep today's behaviour (English, AD dates, Latin digits) for every account that
exists; the check constraints name the only values the interface offers.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=False, server_default='en'))
        batch_op.add_column(sa.Column('calendar', sa.String(length=4), nullable=False, server_default='ad'))
        batch_op.add_column(sa.Column('digits', sa.String(length=10), nullable=False, server_default='latin'))
        batch_op.create_check_constraint(op.f('ck_users_language'), "language IN ('en', 'ne')")
        batch_op.create_check_constraint(op.f('ck_users_calendar'), "calendar IN ('ad', 'bs', 'both')")
        batch_op.create_check_constraint(op.f('ck_users_digits'), "digits IN ('latin', 'devanagari')")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_digits'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_calendar'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_language'), type_='check')
        batch_op.drop_column('digits')
        batch_op.drop_column('calendar')
        batch_op.drop_column('language')
