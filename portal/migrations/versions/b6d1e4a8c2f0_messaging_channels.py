"""messaging channels

Revision ID: b6d1e4a8c2f0
Revises: a9c4e1f27d58
Create Date: 2026-12-02 17:40:00.000000

Connected channel accounts (SMS, WhatsApp, Messenger, Instagram, chat widget, phone), the record of every
provider event (idempotency), opted-out addresses, customer records with their identities, chat sessions
and their event log; on tickets the customer record, the account and the address replies go to; on
messages the delivery status and channel details; the agents' online/away switch.
"""
import sqlalchemy as sa
from alembic import op


revision = 'b6d1e4a8c2f0'
down_revision = 'a9c4e1f27d58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('channel_account',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=20), nullable=False),
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('enabled', sa.Boolean(), nullable=False),
                    sa.Column('group_id', sa.Integer(), nullable=True),
                    sa.Column('address', sa.String(length=120), nullable=False),
                    sa.Column('settings', sa.JSON(), nullable=True),
                    sa.Column('secrets_encrypted', sa.Text(), nullable=True),
                    sa.Column('last_event_at', sa.DateTime(), nullable=True),
                    sa.Column('last_error', sa.Text(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['group_id'], ['ticket_group.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('channel_account', schema=None) as batch_op:
        batch_op.create_index('ix_channel_account_kind_address', ['kind', 'address'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_account_kind'), ['kind'], unique=False)

    op.create_table('channel_event',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('account_id', sa.Integer(), nullable=False),
                    sa.Column('external_id', sa.String(length=255), nullable=False),
                    sa.Column('kind', sa.String(length=20), nullable=False),
                    sa.Column('outcome', sa.String(length=20), nullable=False),
                    sa.Column('reason', sa.String(length=300), nullable=False),
                    sa.Column('ticket_id', sa.Integer(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['account_id'], ['channel_account.id'], ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('account_id', 'external_id', name='uq_channel_event_account_external'))
    with op.batch_alter_table('channel_event', schema=None) as batch_op:
        batch_op.create_index('ix_channel_event_account_created', ['account_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_event_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('channel_opt_out',
                    sa.Column('account_id', sa.Integer(), nullable=False),
                    sa.Column('address', sa.String(length=120), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['account_id'], ['channel_account.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('account_id', 'address'))

    op.create_table('contact',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=120), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=True),
                    sa.Column('merged_into_id', sa.Integer(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['merged_into_id'], ['contact.id']),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('user_id'))

    op.create_table('contact_identity',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('contact_id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=20), nullable=False),
                    sa.Column('value', sa.String(length=254), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('kind', 'value', name='uq_contact_identity_kind_value'))
    with op.batch_alter_table('contact_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_identity_contact_id'), ['contact_id'], unique=False)

    op.create_table('chat_session',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('account_id', sa.Integer(), nullable=False),
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('ticket_id', sa.Integer(), nullable=True),
                    sa.Column('user_id', sa.Integer(), nullable=True),
                    sa.Column('visitor_name', sa.String(length=120), nullable=False),
                    sa.Column('visitor_email', sa.String(length=254), nullable=True),
                    sa.Column('page_url', sa.String(length=500), nullable=True),
                    sa.Column('locale', sa.String(length=8), nullable=True),
                    sa.Column('status', sa.String(length=12), nullable=False),
                    sa.Column('visitor_typing_until', sa.DateTime(), nullable=True),
                    sa.Column('agent_typing_until', sa.DateTime(), nullable=True),
                    sa.Column('visitor_seen_at', sa.DateTime(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['account_id'], ['channel_account.id'], ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('token_hash'))
    with op.batch_alter_table('chat_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_session_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_session_user_id'), ['user_id'], unique=False)

    op.create_table('chat_event',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('session_id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=20), nullable=False),
                    sa.Column('data', sa.JSON(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['session_id'], ['chat_session.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('chat_event', schema=None) as batch_op:
        batch_op.create_index('ix_chat_event_session_id', ['session_id', 'id'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('channel_address', sa.String(length=254), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_contact_id'), ['contact_id'], unique=False)

    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('delivery_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('delivery_updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('meta', sa.JSON(), nullable=True))

    with op.batch_alter_table('agent_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('availability', sa.String(length=10), nullable=False, server_default='away'))
        batch_op.add_column(sa.Column('availability_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('agent_setting', schema=None) as batch_op:
        batch_op.drop_column('availability_at')
        batch_op.drop_column('availability')
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.drop_column('meta')
        batch_op.drop_column('delivery_updated_at')
        batch_op.drop_column('delivery_error')
        batch_op.drop_column('delivery_status')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_contact_id'))
        batch_op.drop_column('channel_address')
        batch_op.drop_column('channel_account_id')
        batch_op.drop_column('contact_id')
    op.drop_table('chat_event')
    op.drop_table('chat_session')
    op.drop_table('contact_identity')
    op.drop_table('contact')
    op.drop_table('channel_opt_out')
    op.drop_table('channel_event')
    op.drop_table('channel_account')
