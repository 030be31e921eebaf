"""Reports: saved report definitions; conflict-victim categories one row each; cases by kind and opening.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:13:58.989415

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_saved_reports_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_reports'))
    )
    with op.batch_alter_table('saved_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_reports_owner_id'), ['owner_id'], unique=False)

    op.create_table('conflict_categories',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['conflict_details.case_id'], name=op.f('fk_conflict_categories_case_id_conflict_details')),
    sa.PrimaryKeyConstraint('case_id', 'category', name=op.f('pk_conflict_categories'))
    )
    with op.batch_alter_table('conflict_categories', schema=None) as batch_op:
        batch_op.create_index('ix_conflict_categories_category', ['category'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_kind_opened_at', ['kind', 'opened_at', 'beneficiary_id'], unique=False)

    _copy_categories()


def _copy_categories():
    """Existing cases' categories, from the JSON list into one row each."""
    bind = op.get_bind()
    details = sa.table('conflict_details', sa.column('case_id', sa.Integer), sa.column('victim_categories', sa.JSON))
    categories = sa.table('conflict_categories', sa.column('case_id', sa.Integer), sa.column('category', sa.String))
    rows = [
        {'case_id': case_id, 'category': category}
        for case_id, listed in bind.execute(sa.select(details.c.case_id, details.c.victim_categories))
        for category in sorted(set(listed or []))
    ]
    if rows:
        op.bulk_insert(categories, rows)



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_kind_opened_at')

    with op.batch_alter_table('conflict_categories', schema=None) as batch_op:
        batch_op.drop_index('ix_conflict_categories_category')

    op.drop_table('conflict_categories')
    with op.batch_alter_table('saved_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_reports_owner_id'))

    op.drop_table('saved_reports')
