"""Cases: the case core (history, notes, follow-ups, approvals), return and reintegration,
programme settings.

Reviewed by hand: named constraints, tables before the ones referring to them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 22:45:51.673157

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_counters',
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('kind_code', sa.String(length=4), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_case_counters_office_code_offices')),
    sa.PrimaryKeyConstraint('office_code', 'kind_code', 'year', name=op.f('pk_case_counters'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('pending_from', sa.String(length=32), nullable=True),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=False),
    sa.Column('closure_reason', sa.String(length=32), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'], name=op.f('fk_cases_assigned_to_id_users')),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_cases_beneficiary_id_beneficiaries')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cases_created_by_id_users')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_cases_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_number', name=op.f('uq_cases_case_number'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_assigned_to_status', ['assigned_to_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index('ix_cases_kind_status', ['kind', 'status'], unique=False)
        batch_op.create_index('ix_cases_office_status', ['office_code', 'status'], unique=False)

    op.create_table('approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('approval_type', sa.String(length=32), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('request_comment', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_approvals_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_approvals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_approvals_office_code_offices')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_approvals_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_approvals_office_status', ['office_code', 'status'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)

    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_case_id'), ['case_id'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_follow_ups_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_follow_ups_created_by_id_users')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_follow_ups_done_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_follow_ups_due_date_done_at', ['due_date', 'done_at'], unique=False)

    op.create_table('return_details',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('host_country', sa.String(length=2), nullable=False),
    sa.Column('return_date', sa.Date(), nullable=False),
    sa.Column('return_reason', sa.String(length=32), nullable=False),
    sa.Column('arrival_help', sa.JSON(), nullable=False),
    sa.Column('plan_goals', sa.Text(), nullable=False),
    sa.Column('approved_budget_npr', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_return_details_case_id_cases')),
    sa.ForeignKeyConstraint(['host_country'], ['countries.code'], name=op.f('fk_return_details_host_country_countries')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_return_details'))
    )
    op.create_table('assistance_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assistance_type', sa.String(length=32), nullable=False),
    sa.Column('amount_npr', sa.Integer(), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=False),
    sa.Column('delivered_by', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['return_details.case_id'], name=op.f('fk_assistance_deliveries_case_id_return_details')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_assistance_deliveries_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_deliveries'))
    )
    with op.batch_alter_table('assistance_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistance_deliveries_case_id'), ['case_id'], unique=False)

    op.create_table('monitoring_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('economic', sa.Float(), nullable=False),
    sa.Column('social', sa.Float(), nullable=False),
    sa.Column('psychosocial', sa.Float(), nullable=False),
    sa.Column('composite', sa.Float(), nullable=False),
    sa.Column('sustainable', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['return_details.case_id'], name=op.f('fk_monitoring_visits_case_id_return_details')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_monitoring_visits_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_visits'))
    )
    with op.batch_alter_table('monitoring_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_visits_case_id'), ['case_id'], unique=False)

    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('assistance_type', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('budget_npr', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['return_details.case_id'], name=op.f('fk_plan_items_case_id_return_details')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items'))
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_case_id'), ['case_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_case_id'))

    op.drop_table('plan_items')
    with op.batch_alter_table('monitoring_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_visits_case_id'))

    op.drop_table('monitoring_visits')
    with op.batch_alter_table('assistance_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistance_deliveries_case_id'))

    op.drop_table('assistance_deliveries')
    op.drop_table('return_details')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_due_date_done_at')
        batch_op.drop_index(batch_op.f('ix_follow_ups_case_id'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_case_id'))

    op.drop_table('case_notes')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_approvals_office_status')
        batch_op.drop_index(batch_op.f('ix_approvals_case_id'))

    op.drop_table('approvals')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_office_status')
        batch_op.drop_index('ix_cases_kind_status')
        batch_op.drop_index(batch_op.f('ix_cases_beneficiary_id'))
        batch_op.drop_index('ix_cases_assigned_to_status')

    op.drop_table('cases')
    op.drop_table('settings')
    op.drop_table('case_counters')
