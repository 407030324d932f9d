"""orders: platform status, tags

Revision ID: a2c4e6f8b1d3
Revises: f6c9e3a1d4b8
Create Date: 2026-12-03 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op


revision = 'a2c4e6f8b1d3'
down_revision = 'f6c9e3a1d4b8'
branch_labels = None
depends_on = None


def upgrade():
    # New payment states (authorized, partially_paid, failed) need nothing here: the column is a VARCHAR(20)
    # without a CHECK constraint.
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_status', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('tags', sa.JSON(), server_default='[]', nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        # The staff search's name prefix, case-insensitive (SQLite has its NOCASE index for it).
        op.execute('CREATE INDEX ix_order_customer_name_lower ON shop_order (lower(customer_name) text_pattern_ops)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_order_customer_name_lower')
    # The older code knows none of the new payment states; it showed them all as pending.
    op.execute("UPDATE shop_order SET financial_status = 'pending' "
               "WHERE financial_status IN ('authorized', 'partially_paid', 'failed')")
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_column('tags')
        batch_op.drop_column('platform_status')
