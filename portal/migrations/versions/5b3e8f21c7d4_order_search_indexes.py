"""order search indexes

Revision ID: 5b3e8f21c7d4
Revises: e01c086ca0e9
Create Date: 2026-12-01 23:10:00.000000

Found by bench/orders.py on 100,000 orders: staff order search by name prefix read every order, because
SQLite uses an index for `customer_name LIKE 'abc%'` only when the index is COLLATE NOCASE. SQLite only
(the collation does not exist elsewhere; the model declares the index with ddl_if(dialect="sqlite")).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b3e8f21c7d4'
down_revision = 'e01c086ca0e9'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_context().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.create_index('ix_order_customer_name_nocase', [sa.text('customer_name COLLATE NOCASE')],
                              unique=False)


def downgrade():
    if op.get_context().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_customer_name_nocase')
