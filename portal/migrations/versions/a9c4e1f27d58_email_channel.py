"""email channel

Revision ID: a9c4e1f27d58
Revises: f3b8d2e61c47
Create Date: 2026-12-02 15:00:00.000000

Mailboxes, the record of every inbound message (ids for threading and dedupe, flags, raw file), CC
participants; email HTML on messages, inline images on attachments, the mailbox a ticket came in on.
"""
import sqlalchemy as sa
from alembic import op


revision = 'a9c4e1f27d58'
down_revision = 'f3b8d2e61c47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailbox',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('address', sa.String(length=254), nullable=False),
                    sa.Column('from_name', sa.String(length=120), nullable=False),
                    sa.Column('group_id', sa.Integer(), nullable=True),
                    sa.Column('enabled', sa.Boolean(), nullable=False),
                    sa.Column('imap_host', sa.String(length=200), nullable=True),
                    sa.Column('imap_port', sa.Integer(), nullable=False),
                    sa.Column('imap_security', sa.String(length=10), nullable=False),
                    sa.Column('imap_username', sa.String(length=200), nullable=True),
                    sa.Column('imap_password_encrypted', sa.Text(), nullable=True),
                    sa.Column('imap_folder', sa.String(length=200), nullable=False),
                    sa.Column('processed_action', sa.String(length=10), nullable=False),
                    sa.Column('processed_folder', sa.String(length=200), nullable=False),
                    sa.Column('imap_uidvalidity', sa.Integer(), nullable=True),
                    sa.Column('imap_last_uid', sa.Integer(), nullable=True),
                    sa.Column('last_polled_at', sa.DateTime(), nullable=True),
                    sa.Column('last_error', sa.Text(), nullable=True),
                    sa.Column('webhook_secret_encrypted', sa.Text(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['group_id'], ['ticket_group.id'], name=op.f('fk_mailbox_group_id_ticket_group'),
                                            ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox')),
                    sa.UniqueConstraint('address', name=op.f('uq_mailbox_address')))
    op.create_table('inbound_email',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('message_id', sa.String(length=400), nullable=False),
                    sa.Column('mailbox_id', sa.Integer(), nullable=True),
                    sa.Column('ticket_id', sa.Integer(), nullable=True),
                    sa.Column('ticket_message_id', sa.Integer(), nullable=True),
                    sa.Column('outcome', sa.String(length=20), nullable=False),
                    sa.Column('reason', sa.String(length=200), nullable=False),
                    sa.Column('from_email', sa.String(length=254), nullable=False),
                    sa.Column('from_name', sa.String(length=200), nullable=False),
                    sa.Column('to', sa.JSON(), nullable=True),
                    sa.Column('cc', sa.JSON(), nullable=True),
                    sa.Column('reply_to', sa.String(length=254), nullable=True),
                    sa.Column('subject', sa.String(length=400), nullable=False),
                    sa.Column('flags', sa.JSON(), nullable=True),
                    sa.Column('raw_name', sa.String(length=200), nullable=True),
                    sa.Column('size', sa.Integer(), nullable=False),
                    sa.Column('received_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['mailbox_id'], ['mailbox.id'], name=op.f('fk_inbound_email_mailbox_id_mailbox'),
                                            ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_inbound_email_ticket_id_ticket'),
                                            ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['ticket_message_id'], ['ticket_message.id'],
                                            name=op.f('fk_inbound_email_ticket_message_id_ticket_message'),
                                            ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_email')),
                    sa.UniqueConstraint('message_id', name=op.f('uq_inbound_email_message_id')))
    with op.batch_alter_table('inbound_email', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_email_from_received', ['from_email', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_email_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_email_ticket_message_id'), ['ticket_message_id'], unique=False)
    op.create_table('email_participant',
                    sa.Column('ticket_id', sa.Integer(), nullable=False),
                    sa.Column('email', sa.String(length=254), nullable=False),
                    sa.Column('name', sa.String(length=200), nullable=False),
                    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_email_participant_ticket_id_ticket'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('ticket_id', 'email', name=op.f('pk_email_participant')))
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('inline', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailbox_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('agent_setting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('agent_setting', schema=None) as batch_op:
        batch_op.drop_column('signature')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('mailbox_id')
    with op.batch_alter_table('ticket_attachment', schema=None) as batch_op:
        batch_op.drop_column('inline')
        batch_op.drop_column('content_id')
    with op.batch_alter_table('ticket_message', schema=None) as batch_op:
        batch_op.drop_column('body_html')
    op.drop_table('email_participant')
    op.drop_table('inbound_email')
    op.drop_table('mailbox')
