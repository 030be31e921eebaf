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

FK_NAME = 'fk_beneficiaries_import_batch_id_import_batches'


def upgrade():
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('duplicates', sa.String(length=8), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_valid', sa.Integer(), nullable=False),
    sa.Column('rows_error', sa.Integer(), nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_batches_created_by_id_users')),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_import_batches_office_code_offices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_office_code'), ['office_code'], unique=False)

    op.create_table('import_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_code', sa.String(length=8), nullable=False),
    sa.Column('source_key', sa.String(length=140), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_code'], ['offices.code'], name=op.f('fk_import_mappings_office_code_offices')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_import_mappings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_mappings')),
    sa.UniqueConstraint('office_code', 'source_key', name=op.f('uq_import_mappings_office_code_source_key'))
    )

    if op.get_bind().dialect.name == 'sqlite':
        # ADD COLUMN with a (named) REFERENCES clause: SQLite adds it in place, where batch
        # mode would copy the table and lose the search index's triggers (migration 0007).
        op.execute(
            'ALTER TABLE beneficiaries ADD COLUMN import_batch_id INTEGER '
            f'CONSTRAINT {FK_NAME} REFERENCES import_batches (id)'
        )
    else:
        with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
            batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(FK_NAME, 'import_batches', ['import_batch_id'], ['id'])
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.create_index('ix_beneficiaries_import_batch_id', ['import_batch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
        batch_op.drop_index('ix_beneficiaries_import_batch_id')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE beneficiaries DROP COLUMN import_batch_id')
    else:
        with op.batch_alter_table('beneficiaries', schema=None) as batch_op:
            batch_op.drop_constraint(FK_NAME, type_='foreignkey')
            batch_op.drop_column('import_batch_id')
    op.drop_table('import_mappings')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_office_code'))
    op.drop_table('import_batches')
