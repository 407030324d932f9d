"""jobs and outbound mail

Revision ID: f3b8d2e61c47
Revises: e7a2c5d90b31
Create Date: 2026-12-02 14:30:00.000000

The worker's job ledger; outgoing mail gets its sender, Reply-To, CC, attachments and the ticket message
whose delivery it reports, and is found by Message-ID when a reply comes back.
"""
import sqlalchemy as sa
from alembic import op


revision = 'f3b8d2e61c47'
down_revision = 'e7a2c5d90b31'
branch_labels = None
depends_on = None

JOB_STATUS = sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus', native_enum=False, length=12)


def upgrade():
    op.create_table('job',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('task', sa.String(length=80), nullable=False),
                    sa.Column('args', sa.JSON(), nullable=False),
                    sa.Column('status', JOB_STATUS, nullable=False),
                    sa.Column('attempts', sa.Integer(), nullable=False),
                    sa.Column('max_attempts', sa.Integer(), nullable=False),
                    sa.Column('error', sa.Text(), nullable=True),
                    sa.Column('worker', sa.String(length=120), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('run_after', sa.DateTime(), nullable=False),
                    sa.Column('started_at', sa.DateTime(), nullable=True),
                    sa.Column('locked_until', sa.DateTime(), nullable=True),
                    sa.Column('finished_at', sa.DateTime(), nullable=True),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')))
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_status_run_after', ['status', 'run_after'], unique=False)
        batch_op.create_index('ix_job_task_created', ['task', 'created_at'], unique=False)
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_message_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sender', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('cc', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('attachment_ids', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outgoing_mail_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_mail_ticket_message_id'), ['ticket_message_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outgoing_mail_ticket_message_id_ticket_message'), 'ticket_message',
                                    ['ticket_message_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outgoing_mail_ticket_message_id_ticket_message'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_ticket_message_id'))
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_message_id'))
        for column in ('attachment_ids', 'cc', 'reply_to', 'sender', 'ticket_message_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_task_created')
        batch_op.drop_index('ix_job_status_run_after')
    op.drop_table('job')
