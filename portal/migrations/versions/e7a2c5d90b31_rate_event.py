"""rate event

Revision ID: e7a2c5d90b31
Revises: d41e0b7c9a15
Create Date: 2026-12-02 13:40:00.000000

Sliding-window limits shared by every process: password-reset mail per address and per client.
"""
import sqlalchemy as sa
from alembic import op


revision = 'e7a2c5d90b31'
down_revision = 'd41e0b7c9a15'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_event',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=40), nullable=False),
                    sa.Column('key', sa.String(length=254), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_event')))
    with op.batch_alter_table('rate_event', schema=None) as batch_op:
        batch_op.create_index('ix_rate_event_kind_key_created', ['kind', 'key', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('rate_event', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_event_kind_key_created')
    op.drop_table('rate_event')
