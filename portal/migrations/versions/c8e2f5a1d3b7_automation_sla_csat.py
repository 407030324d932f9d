"""automation, SLA and CSAT

Revision ID: c8e2f5a1d3b7
Revises: b6d1e4a8c2f0
Create Date: 2026-12-02 17:40:00.000000

Business-hours calendars, SLA policies, automation rules and their runs, satisfaction surveys; on tickets
the policy, next-response due time, paused resolution minutes, warning/breach flags, last customer
message and status change times (with the sweep indexes); group assignment modes, agent capacity, and
the rule behind a timeline event.
"""
import sqlalchemy as sa
from alembic import op


revision = 'c8e2f5a1d3b7'
down_revision = 'b6d1e4a8c2f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('business_calendar',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('timezone', sa.String(length=64), nullable=False),
                    sa.Column('hours', sa.JSON(), nullable=True),
                    sa.Column('country', sa.String(length=8), nullable=True),
                    sa.Column('subdivision', sa.String(length=16), nullable=True),
                    sa.Column('closed_dates', sa.JSON(), nullable=True),
                    sa.Column('store_id', sa.Integer(), nullable=True),
                    sa.Column('group_id', sa.Integer(), nullable=True),
                    sa.Column('is_default', sa.Boolean(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['group_id'], ['ticket_group.id'], ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['store_id'], ['store.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'))
    op.create_table('sla_policy',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('position', sa.Integer(), nullable=False),
                    sa.Column('enabled', sa.Boolean(), nullable=False),
                    sa.Column('priorities', sa.JSON(), nullable=True),
                    sa.Column('channels', sa.JSON(), nullable=True),
                    sa.Column('store_ids', sa.JSON(), nullable=True),
                    sa.Column('group_ids', sa.JSON(), nullable=True),
                    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
                    sa.Column('next_response_minutes', sa.Integer(), nullable=True),
                    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
                    sa.Column('calendar_id', sa.Integer(), nullable=True),
                    sa.Column('pause_when_waiting', sa.Boolean(), nullable=False),
                    sa.Column('warn_before_minutes', sa.Integer(), nullable=False),
                    sa.Column('warn_actions', sa.JSON(), nullable=True),
                    sa.Column('breach_actions', sa.JSON(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['calendar_id'], ['business_calendar.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'))
    op.create_table('automation_rule',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=120), nullable=False),
                    sa.Column('kind', sa.String(length=10), nullable=False),
                    sa.Column('events', sa.JSON(), nullable=True),
                    sa.Column('timing', sa.JSON(), nullable=True),
                    sa.Column('match', sa.String(length=3), nullable=False),
                    sa.Column('conditions', sa.JSON(), nullable=True),
                    sa.Column('actions', sa.JSON(), nullable=True),
                    sa.Column('position', sa.Integer(), nullable=False),
                    sa.Column('enabled', sa.Boolean(), nullable=False),
                    sa.Column('builtin', sa.String(length=40), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('automation_rule', schema=None) as batch_op:
        batch_op.create_index('ix_automation_rule_kind_enabled', ['kind', 'enabled', 'position'], unique=False)
    op.create_table('rule_run',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('rule_id', sa.Integer(), nullable=True),
                    sa.Column('ticket_id', sa.Integer(), nullable=False),
                    sa.Column('event_key', sa.String(length=80), nullable=False),
                    sa.Column('rule_name', sa.String(length=120), nullable=False),
                    sa.Column('summary', sa.Text(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['rule_id'], ['automation_rule.id'], ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('rule_id', 'ticket_id', 'event_key', name='uq_rule_run_once'))
    with op.batch_alter_table('rule_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_run_ticket_id'), ['ticket_id'], unique=False)
    op.create_table('csat_survey',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('ticket_id', sa.Integer(), nullable=False),
                    sa.Column('agent_id', sa.Integer(), nullable=True),
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('send_after', sa.DateTime(), nullable=False),
                    sa.Column('sent_at', sa.DateTime(), nullable=True),
                    sa.Column('rating', sa.String(length=8), nullable=True),
                    sa.Column('comment', sa.Text(), nullable=True),
                    sa.Column('answered_at', sa.DateTime(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['agent_id'], ['user.id'], ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('ticket_id'),
                    sa.UniqueConstraint('token_hash'))
    with op.batch_alter_table('csat_survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_csat_survey_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index('ix_csat_survey_pending', ['sent_at', 'send_after'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_response_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sla_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sla_policy_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sla_resolution_left', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sla_state', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('last_customer_message_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_ticket_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_status_changed', ['status', 'status_changed_at'], unique=False)
        batch_op.create_index('ix_ticket_status_customer_message', ['status', 'last_customer_message_at'],
                              unique=False)
        batch_op.create_index('ix_ticket_first_reply_due', ['first_reply_due_at'], unique=False)
        batch_op.create_index('ix_ticket_next_response_due', ['next_response_due_at'], unique=False)
        batch_op.create_index('ix_ticket_resolution_due', ['resolution_due_at'], unique=False)
        batch_op.create_index('ix_ticket_sla_due', ['sla_due_at'], unique=False)
        # A messaging conversation is found by the account and the sender's address (channels.inbound).
        batch_op.create_index('ix_ticket_channel_conversation', ['channel_account_id', 'channel_address'],
                              unique=False)
    with op.batch_alter_table('ticket_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assign_mode', sa.String(length=12), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('last_assigned_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reassign_when_away', sa.Boolean(), nullable=False, server_default='0'))
    with op.batch_alter_table('agent_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_column('rule_id')
    with op.batch_alter_table('agent_setting', schema=None) as batch_op:
        batch_op.drop_column('capacity')
    with op.batch_alter_table('ticket_group', schema=None) as batch_op:
        batch_op.drop_column('reassign_when_away')
        batch_op.drop_column('last_assigned_id')
        batch_op.drop_column('assign_mode')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        for name in ('ix_ticket_channel_conversation', 'ix_ticket_sla_due', 'ix_ticket_resolution_due', 'ix_ticket_next_response_due', 'ix_ticket_first_reply_due',
                     'ix_ticket_status_customer_message', 'ix_ticket_status_changed', 'ix_ticket_status_created'):
            batch_op.drop_index(name)
        for name in ('sla_due_at', 'status_changed_at', 'last_customer_message_at', 'sla_state', 'sla_resolution_left',
                     'sla_policy_id', 'next_response_due_at'):
            batch_op.drop_column(name)
    op.drop_table('csat_survey')
    op.drop_table('rule_run')
    op.drop_table('automation_rule')
    op.drop_table('sla_policy')
    op.drop_table('business_calendar')
