"""Resettlement: family cases with members and stage records, departure batches.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:28:19.561209

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('departure_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('departure_date', sa.Date(), nullable=False),
    sa.Column('flight', sa.String(length=32), nullable=False),
    sa.Column('origin', sa.String(length=60), nullable=False),
    sa.Column('destination', sa.String(length=60), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_departure_batches_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_departure_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_departure_batches_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departure_batches'))
    )
    op.create_table('batch_cases',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['departure_batches.id'], name=op.f('fk_batch_cases_batch_id_departure_batches')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_batch_cases_case_id_cases')),
    sa.PrimaryKeyConstraint('batch_id', 'case_id', name=op.f('pk_batch_cases'))
    )
    with op.batch_alter_table('batch_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_cases_case_id'), ['case_id'], unique=False)

    op.create_table('resettlement_details',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unhcr_case_number', sa.String(length=32), nullable=False),
    sa.Column('camp', sa.String(length=16), nullable=False),
    sa.Column('hut_address', sa.String(length=60), nullable=False),
    sa.Column('destination_country', sa.String(length=2), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('special_needs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_resettlement_details_case_id_cases')),
    sa.ForeignKeyConstraint(['destination_country'], ['countries.code'], name=op.f('fk_resettlement_details_destination_country_countries')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_resettlement_details')),
    sa.UniqueConstraint('unhcr_case_number', name=op.f('uq_resettlement_details_unhcr_case_number'))
    )
    op.create_table('case_members',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('relationship_to_principal', sa.String(length=24), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_case_members_beneficiary_id_beneficiaries')),
    sa.ForeignKeyConstraint(['case_id'], ['resettlement_details.case_id'], name=op.f('fk_case_members_case_id_resettlement_details')),
    sa.PrimaryKeyConstraint('case_id', 'beneficiary_id', name=op.f('pk_case_members'))
    )
    op.create_table('stage_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['resettlement_details.case_id'], name=op.f('fk_stage_records_case_id_resettlement_details')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_stage_records_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_records')),
    sa.UniqueConstraint('case_id', 'stage', name=op.f('uq_stage_records_case_id_stage'))
    )
    with op.batch_alter_table('stage_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_records_case_id'), ['case_id'], unique=False)



def downgrade():
    with op.batch_alter_table('stage_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_records_case_id'))

    op.drop_table('stage_records')
    op.drop_table('case_members')
    op.drop_table('resettlement_details')
    with op.batch_alter_table('batch_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_cases_case_id'))

    op.drop_table('batch_cases')
    op.drop_table('departure_batches')
