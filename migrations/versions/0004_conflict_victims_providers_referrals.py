"""Conflict-victim cases, the service provider directory, referrals and data transfers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 23:16:48.747914

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers'))
    )
    op.create_table('provider_services',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_services_provider_id_providers')),
    sa.PrimaryKeyConstraint('provider_id', 'service', name=op.f('pk_provider_services'))
    )
    with op.batch_alter_table('provider_services', schema=None) as batch_op:
        batch_op.create_index('ix_provider_services_service', ['service'], unique=False)

    op.create_table('provider_districts',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_provider_districts_district_id_districts')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_provider_districts_provider_id_providers')),
    sa.PrimaryKeyConstraint('provider_id', 'district_id', name=op.f('pk_provider_districts'))
    )
    with op.batch_alter_table('provider_districts', schema=None) as batch_op:
        batch_op.create_index('ix_provider_districts_district_id', ['district_id'], unique=False)

    op.create_table('conflict_details',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('victim_categories', sa.JSON(), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('incident_date', sa.Date(), nullable=False),
    sa.Column('incident_district_id', sa.Integer(), nullable=False),
    sa.Column('disability_percent', sa.Integer(), nullable=True),
    sa.Column('taskforce_reference', sa.String(length=60), nullable=False),
    sa.Column('ward_recommendation', sa.Boolean(), nullable=False),
    sa.Column('documents_seen', sa.Text(), nullable=False),
    sa.Column('relief_received', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_conflict_details_case_id_cases')),
    sa.ForeignKeyConstraint(['incident_district_id'], ['districts.id'], name=op.f('fk_conflict_details_incident_district_id_districts')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_conflict_details'))
    )
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=24), nullable=False),
    sa.Column('urgency', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('consent_obtained', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_note', sa.Text(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_referrals_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_referrals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_referrals_office_code_offices')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_referrals_provider_id_providers')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_referrals_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_referrals_office_status', ['office_code', 'status'], unique=False)

    op.create_table('data_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('consent', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_data_transfers_beneficiary_id_beneficiaries')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_data_transfers_provider_id_providers')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_data_transfers_referral_id_referrals')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_data_transfers_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_transfers'))
    )
    with op.batch_alter_table('data_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_transfers_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_transfers_referral_id'), ['referral_id'], unique=False)



def downgrade():
    with op.batch_alter_table('data_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_transfers_referral_id'))
        batch_op.drop_index(batch_op.f('ix_data_transfers_beneficiary_id'))

    op.drop_table('data_transfers')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_office_status')
        batch_op.drop_index(batch_op.f('ix_referrals_case_id'))

    op.drop_table('referrals')
    op.drop_table('conflict_details')
    with op.batch_alter_table('provider_districts', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_districts_district_id')

    op.drop_table('provider_districts')
    with op.batch_alter_table('provider_services', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_services_service')

    op.drop_table('provider_services')
    op.drop_table('providers')
