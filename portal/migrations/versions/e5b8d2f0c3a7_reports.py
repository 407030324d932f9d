"""reports: daily rollups and scheduled report settings

Revision ID: e5b8d2f0c3a7
Revises: d4a7c1e9b2f6
Create Date: 2026-12-03 09:00:00.000000

One fact row per ticket (with its reply counts per person and day), daily rollups per slice (counts, and
the histograms of durations), the
self-service counters, the article view totals last read, the queue of changed tickets, small state values
and the weekly mail's recipients. Everything can be rebuilt with `portal reports rebuild`.
"""
import sqlalchemy as sa
from alembic import op


revision = 'e5b8d2f0c3a7'
down_revision = 'd4a7c1e9b2f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_ticket',
                    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('created_day', sa.Date(), nullable=False),
                    sa.Column('solved_day', sa.Date(), nullable=True),
                    sa.Column('first_reply_day', sa.Date(), nullable=True),
                    sa.Column('csat_day', sa.Date(), nullable=True),
                    sa.Column('status', sa.String(length=12), nullable=False),
                    sa.Column('store_id', sa.Integer(), nullable=True),
                    sa.Column('channel', sa.String(length=12), nullable=False),
                    sa.Column('group_id', sa.Integer(), nullable=True),
                    sa.Column('assignee_id', sa.Integer(), nullable=True),
                    sa.Column('topic', sa.String(length=40), nullable=True),
                    sa.Column('tags', sa.Text(), nullable=False),
                    sa.Column('first_replier_id', sa.Integer(), nullable=True),
                    sa.Column('frt_seconds', sa.Integer(), nullable=True),
                    sa.Column('frt_bucket', sa.Integer(), nullable=True),
                    sa.Column('resolution_seconds', sa.Integer(), nullable=True),
                    sa.Column('resolution_bucket', sa.Integer(), nullable=True),
                    sa.Column('replies', sa.Integer(), nullable=False),
                    sa.Column('reopens', sa.Integer(), nullable=False),
                    sa.Column('sla_first', sa.String(length=8), nullable=True),
                    sa.Column('sla_resolution', sa.String(length=8), nullable=True),
                    sa.Column('sla_next_breached', sa.Boolean(), nullable=False),
                    sa.Column('csat_rating', sa.String(length=8), nullable=True),
                    sa.Column('csat_agent_id', sa.Integer(), nullable=True),
                    sa.Column('csat_comment', sa.Boolean(), nullable=False),
                    sa.Column('wismo', sa.String(length=8), nullable=True),
                    sa.Column('wismo_replied', sa.Boolean(), nullable=False),
                    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                                            name=op.f('fk_report_ticket_ticket_id_ticket'), ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_report_ticket')))
    with op.batch_alter_table('report_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_report_ticket_created', [
            'created_day', 'channel', 'group_id', 'store_id', 'assignee_id', 'topic', 'sla_first', 'sla_resolution',
            'sla_next_breached', 'wismo', 'wismo_replied'], unique=False)
        batch_op.create_index('ix_report_ticket_solved', [
            'solved_day', 'channel', 'group_id', 'store_id', 'assignee_id', 'topic', 'replies', 'reopens',
            'resolution_bucket', 'resolution_seconds', 'created_day'], unique=False)
        batch_op.create_index('ix_report_ticket_first_reply', [
            'first_reply_day', 'channel', 'group_id', 'store_id', 'first_replier_id', 'topic', 'frt_bucket',
            'frt_seconds'], unique=False)
        batch_op.create_index('ix_report_ticket_csat', [
            'csat_day', 'channel', 'group_id', 'store_id', 'csat_agent_id', 'topic', 'csat_rating'], unique=False)

    op.create_table('report_reply',
                    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('agent_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('replies', sa.Integer(), nullable=False),
                    sa.Column('store_id', sa.Integer(), nullable=True),
                    sa.Column('channel', sa.String(length=12), nullable=False),
                    sa.Column('group_id', sa.Integer(), nullable=True),
                    sa.Column('topic', sa.String(length=40), nullable=True),
                    sa.ForeignKeyConstraint(['ticket_id'], ['report_ticket.ticket_id'],
                                            name=op.f('fk_report_reply_ticket_id_report_ticket'), ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('ticket_id', 'day', 'agent_id', name=op.f('pk_report_reply')))
    with op.batch_alter_table('report_reply', schema=None) as batch_op:
        batch_op.create_index('ix_report_reply_day', ['day', 'channel', 'group_id', 'store_id', 'agent_id', 'topic',
                                                      'replies'], unique=False)

    counts = ('created', 'solved', 'reopened', 'one_touch', 'solved_replies', 'replies')
    sla = ('sla_first_met', 'sla_first_breached', 'sla_resolution_met', 'sla_resolution_breached',
           'sla_next_breached', 'sla_breached', 'csat_good', 'csat_okay', 'csat_bad', 'wismo_answered',
           'wismo_replied', 'wismo_routed')
    op.create_table('report_day',
                    sa.Column('grain', sa.String(length=16), nullable=False),
                    sa.Column('key', sa.String(length=100), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
                    *(sa.Column(name, sa.Integer(), nullable=False) for name in sla),
                    sa.PrimaryKeyConstraint('grain', 'key', 'day', name=op.f('pk_report_day')))
    with op.batch_alter_table('report_day', schema=None) as batch_op:
        batch_op.create_index('ix_report_day_day', ['day'], unique=False)

    op.create_table('report_histogram',
                    sa.Column('grain', sa.String(length=8), nullable=False),
                    sa.Column('metric', sa.String(length=20), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('key', sa.String(length=60), nullable=False),
                    sa.Column('bucket', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.Column('low', sa.Integer(), nullable=False),
                    sa.Column('high', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('grain', 'metric', 'day', 'key', 'bucket', name=op.f('pk_report_histogram')))
    with op.batch_alter_table('report_histogram', schema=None) as batch_op:
        batch_op.create_index('ix_report_histogram_day', ['day'], unique=False)

    op.create_table('report_counter',
                    sa.Column('metric', sa.String(length=20), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('key', sa.String(length=200), nullable=False),
                    sa.Column('lang', sa.String(length=8), nullable=False),
                    sa.Column('value', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('metric', 'day', 'key', 'lang', name=op.f('pk_report_counter')))
    op.create_table('report_article_seen',
                    sa.Column('article_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('views', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['article_id'], ['article.id'],
                                            name=op.f('fk_report_article_seen_article_id_article'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('article_id', name=op.f('pk_report_article_seen')))
    op.create_table('report_pending',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('ticket_id', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_pending')))
    op.create_table('report_state',
                    sa.Column('name', sa.String(length=40), nullable=False),
                    sa.Column('value', sa.String(length=200), nullable=False),
                    sa.Column('updated_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_report_state')))
    op.create_table('report_recipient',
                    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_report_recipient_user_id_user'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_report_recipient')))


def downgrade():
    op.drop_table('report_recipient')
    op.drop_table('report_state')
    op.drop_table('report_pending')
    op.drop_table('report_article_seen')
    op.drop_table('report_counter')
    with op.batch_alter_table('report_histogram', schema=None) as batch_op:
        batch_op.drop_index('ix_report_histogram_day')
    op.drop_table('report_histogram')
    with op.batch_alter_table('report_day', schema=None) as batch_op:
        batch_op.drop_index('ix_report_day_day')
    op.drop_table('report_day')
    with op.batch_alter_table('report_reply', schema=None) as batch_op:
        batch_op.drop_index('ix_report_reply_day')
    op.drop_table('report_reply')
    with op.batch_alter_table('report_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_report_ticket_csat')
        batch_op.drop_index('ix_report_ticket_first_reply')
        batch_op.drop_index('ix_report_ticket_solved')
        batch_op.drop_index('ix_report_ticket_created')
    op.drop_table('report_ticket')
