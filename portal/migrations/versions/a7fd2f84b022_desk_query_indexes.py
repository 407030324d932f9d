"""desk query indexes

Revision ID: a7fd2f84b022
Revises: 496ad11feeab
Create Date: 2026-12-01 22:50:00.000000

Found by bench/tickets.py on 1,000,000 tickets and 200,000 customers: the desk lists agents and managers
(`user.role`) on every queue and ticket page, which scanned every customer account.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7fd2f84b022'
down_revision = '496ad11feeab'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index('ix_user_role', ['role'], unique=False)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index('ix_user_role')
