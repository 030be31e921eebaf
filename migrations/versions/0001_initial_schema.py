"""Initial schema: reference data, offices, users and tokens, beneficiaries, audit log.

Reviewed by hand: every constraint is named by the naming convention, tables are
created before the ones that refer to them, and timestamps are timezone-aware.

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 22:20:54.608244

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('countries',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_countries'))
    )
    op.create_table('provinces',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('name_ne', sa.String(length=80), nullable=False),
    sa.Column('headquarters', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provinces'))
    )
    op.create_table('districts',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('name_ne', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'], name=op.f('fk_districts_province_id_provinces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_districts'))
    )
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_districts_province_id'), ['province_id'], unique=False)

    op.create_table('local_levels',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=3), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_ne', sa.String(length=120), nullable=False),
    sa.Column('wards', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_local_levels_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_levels'))
    )
    with op.batch_alter_table('local_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_levels_district_id'), ['district_id'], unique=False)

    op.create_table('offices',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_offices_district_id_districts')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_offices'))
    )
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_households_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_office_code'), ['office_code'], unique=False)

    op.create_table('registration_counters',
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_registration_counters_office_code_offices')),
    sa.PrimaryKeyConstraint('office_code', 'year', name=op.f('pk_registration_counters'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_users_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_office_code'), ['office_code'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('changes_digest', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_events_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_user_id'), ['user_id'], unique=False)

    op.create_table('beneficiaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_number', sa.String(length=20), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('name_ne', sa.String(length=200), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('dob_estimated', sa.Boolean(), nullable=False),
    sa.Column('nationality', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('local_level_id', sa.Integer(), nullable=True),
    sa.Column('ward', sa.Integer(), nullable=True),
    sa.Column('address_line', sa.String(length=200), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('relationship_to_head', sa.String(length=16), nullable=False),
    sa.Column('vulnerabilities', sa.JSON(), nullable=False),
    sa.Column('consent_given', sa.Boolean(), nullable=False),
    sa.Column('consent_date', sa.Date(), nullable=True),
    sa.Column('consent_purposes', sa.JSON(), nullable=False),
    sa.Column('given_key', sa.String(length=100), nullable=False),
    sa.Column('family_key', sa.String(length=100), nullable=False),
    sa.Column('search_text', sa.String(length=400), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_beneficiaries_created_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_beneficiaries_district_id_districts')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_beneficiaries_household_id_households')),
    sa.ForeignKeyConstraint(['local_level_id'], ['local_levels.id'], name=op.f('fk_beneficiaries_local_level_id_local_levels')),
    sa.ForeignKeyConstraint(['nationality'], ['countries.code'], name=op.f('fk_beneficiaries_nationality_countries')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_beneficiaries_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficiaries')),
    sa.UniqueConstraint('registration_number', name=op.f('uq_beneficiaries_registration_number'))
    )
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.create_index('ix_beneficiaries_date_of_birth', ['date_of_birth'], unique=False)
        batch_op.create_index('ix_beneficiaries_family_key_given_key', ['family_key', 'given_key'], unique=False)
        batch_op.create_index('ix_beneficiaries_given_key', ['given_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiaries_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_beneficiaries_office_district_sex', ['office_code', 'district_id', 'sex'], unique=False)
        batch_op.create_index('ix_beneficiaries_phone', ['phone'], unique=False)

    op.create_table('identity_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beneficiary_id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=24), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('number_key', sa.String(length=40), nullable=False),
    sa.Column('issuing_country', sa.String(length=2), nullable=True),
    sa.ForeignKeyConstraint(['beneficiary_id'], ['beneficiaries.id'], name=op.f('fk_identity_documents_beneficiary_id_beneficiaries')),
    sa.ForeignKeyConstraint(['issuing_country'], ['countries.code'], name=op.f('fk_identity_documents_issuing_country_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_documents'))
    )
    with op.batch_alter_table('identity_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_documents_beneficiary_id'), ['beneficiary_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_documents_number_key'), ['number_key'], unique=False)



def downgrade():
    with op.batch_alter_table('identity_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_documents_number_key'))
        batch_op.drop_index(batch_op.f('ix_identity_documents_beneficiary_id'))

    op.drop_table('identity_documents')
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_index('ix_beneficiaries_phone')
        batch_op.drop_index('ix_beneficiaries_office_district_sex')
        batch_op.drop_index(batch_op.f('ix_beneficiaries_household_id'))
        batch_op.drop_index('ix_beneficiaries_given_key')
        batch_op.drop_index('ix_beneficiaries_family_key_given_key')
        batch_op.drop_index('ix_beneficiaries_date_of_birth')

    op.drop_table('beneficiaries')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_occurred_at'))
        batch_op.drop_index('ix_audit_events_object')
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_office_code'))

    op.drop_table('users')
    op.drop_table('registration_counters')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_office_code'))

    op.drop_table('households')
    op.drop_table('offices')
    with op.batch_alter_table('local_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_levels_district_id'))

    op.drop_table('local_levels')
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_districts_province_id'))

    op.drop_table('districts')
    op.drop_table('provinces')
    op.drop_table('countries')
