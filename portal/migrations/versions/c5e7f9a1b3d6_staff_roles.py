"""staff roles and store visibility

Revision ID: c5e7f9a1b3d6
Revises: b3d5f7a9c2e4
Create Date: 2026-12-03 10:00:00.000000

Custom staff roles (a name and named permissions), each member's custom role, and the stores a member
is limited to (none: every store).
"""
import sqlalchemy as sa
from alembic import op


revision = 'c5e7f9a1b3d6'
down_revision = 'b3d5f7a9c2e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_role',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('permissions', sa.JSON(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name='pk_staff_role'),
                    sa.UniqueConstraint('name', name='uq_staff_role_name'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_role_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_user_staff_role_id_staff_role', 'staff_role', ['staff_role_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table('staff_store',
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('store_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_staff_store_user_id_user',
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name='fk_staff_store_store_id_store',
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('user_id', 'store_id', name='pk_staff_store'))


def downgrade():
    op.drop_table('staff_store')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint('fk_user_staff_role_id_staff_role', type_='foreignkey')
        batch_op.drop_column('staff_role_id')
    op.drop_table('staff_role')
