"""My work and what a caseworker waits for, at scale: partial indexes of open cases and open follow-ups; approvals by who asked.

Measured at 1,000,000 beneficiaries (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on
PostgreSQL): a caseworker's status counts read every case of the office through
ix_cases_office_status, their follow-ups every follow-up ever due through
ix_follow_ups_due_date_done_at, and what they wait for scanned all approvals.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OPEN_CASES = sa.text('closed_at IS NULL')
OPEN_FOLLOW_UPS = sa.text('done_at IS NULL')


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(
            'ix_cases_open_assigned_status', ['assigned_to_id', 'status'], unique=False,
            sqlite_where=OPEN_CASES, postgresql_where=OPEN_CASES,
        )
        batch_op.create_index(
            'ix_cases_open_office_status', ['office_code', 'status'], unique=False,
            sqlite_where=OPEN_CASES, postgresql_where=OPEN_CASES,
        )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(
            'ix_follow_ups_open_case_due', ['case_id', 'due_date'], unique=False,
            sqlite_where=OPEN_FOLLOW_UPS, postgresql_where=OPEN_FOLLOW_UPS,
        )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(
            'ix_approvals_requested_by_status', ['requested_by_id', 'status'], unique=False
        )


def downgrade():
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_approvals_requested_by_status')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_open_case_due')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_open_office_status')
        batch_op.drop_index('ix_cases_open_assigned_status')
