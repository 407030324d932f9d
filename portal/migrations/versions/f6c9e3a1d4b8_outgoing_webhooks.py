"""outgoing webhooks: subscriptions and deliveries

Revision ID: f6c9e3a1d4b8
Revises: e5b8d2f0c3a7
Create Date: 2026-12-03 09:00:00.000000

Managers' webhook subscriptions (URL, events, encrypted signing secret, automatic disabling), one delivery
row per event and subscription (the exact body, its status) and every attempt at sending it (the log).
"""
import sqlalchemy as sa
from alembic import op


revision = 'f6c9e3a1d4b8'
down_revision = 'e5b8d2f0c3a7'
branch_labels = None
depends_on = None

DISABLED_REASON = sa.Enum('manager', 'failures', name='disabledreason', native_enum=False, length=12)
DELIVERY_STATUS = sa.Enum('pending', 'retrying', 'delivered', 'failed', 'skipped', name='deliverystatus',
                          native_enum=False, length=12)


def upgrade():
    op.create_table('webhook_subscription',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('url', sa.String(length=500), nullable=False),
                    sa.Column('events', sa.JSON(), nullable=False),
                    sa.Column('include_notes', sa.Boolean(), nullable=False),
                    sa.Column('secret_encrypted', sa.Text(), nullable=False),
                    sa.Column('enabled', sa.Boolean(), nullable=False),
                    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
                    sa.Column('disabled_reason', DISABLED_REASON, nullable=True),
                    sa.Column('disabled_at', sa.DateTime(), nullable=True),
                    sa.Column('last_error', sa.String(length=500), nullable=True),
                    sa.Column('last_success_at', sa.DateTime(), nullable=True),
                    sa.Column('last_failure_at', sa.DateTime(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription')))
    op.create_table('webhook_outgoing_delivery',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('subscription_id', sa.Integer(), nullable=False),
                    sa.Column('uid', sa.String(length=36), nullable=False),
                    sa.Column('event_id', sa.String(length=36), nullable=False),
                    sa.Column('event_type', sa.String(length=40), nullable=False),
                    sa.Column('ticket_id', sa.Integer(), nullable=True),
                    sa.Column('body', sa.Text(), nullable=False),
                    sa.Column('status', DELIVERY_STATUS, nullable=False),
                    sa.Column('is_test', sa.Boolean(), nullable=False),
                    sa.Column('attempts', sa.Integer(), nullable=False),
                    sa.Column('last_status_code', sa.Integer(), nullable=True),
                    sa.Column('last_error', sa.String(length=500), nullable=True),
                    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('finished_at', sa.DateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'],
                                            name=op.f('fk_webhook_outgoing_delivery_subscription_id_webhook_subscription'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_outgoing_delivery')),
                    sa.UniqueConstraint('uid', name=op.f('uq_webhook_outgoing_delivery_uid')))
    with op.batch_alter_table('webhook_outgoing_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_outgoing_delivery_subscription', ['subscription_id', 'id'], unique=False)
        batch_op.create_index('ix_webhook_outgoing_delivery_created', ['created_at'], unique=False)
    op.create_table('webhook_outgoing_attempt',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('delivery_id', sa.Integer(), nullable=False),
                    sa.Column('subscription_id', sa.Integer(), nullable=False),
                    sa.Column('number', sa.Integer(), nullable=False),
                    sa.Column('started_at', sa.DateTime(), nullable=False),
                    sa.Column('status_code', sa.Integer(), nullable=True),
                    sa.Column('duration_ms', sa.Integer(), nullable=False),
                    sa.Column('error', sa.String(length=500), nullable=True),
                    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_outgoing_delivery.id'],
                                            name=op.f('fk_webhook_outgoing_attempt_delivery_id_webhook_outgoing_delivery'),
                                            ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'],
                                            name=op.f('fk_webhook_outgoing_attempt_subscription_id_webhook_subscription'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_outgoing_attempt')))
    with op.batch_alter_table('webhook_outgoing_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_outgoing_attempt_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index('ix_webhook_outgoing_attempt_subscription', ['subscription_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_outgoing_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_outgoing_attempt_subscription')
        batch_op.drop_index(batch_op.f('ix_webhook_outgoing_attempt_delivery_id'))
    op.drop_table('webhook_outgoing_attempt')
    with op.batch_alter_table('webhook_outgoing_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_outgoing_delivery_created')
        batch_op.drop_index('ix_webhook_outgoing_delivery_subscription')
    op.drop_table('webhook_outgoing_delivery')
    op.drop_table('webhook_subscription')
