"""REST API: access tokens and idempotency keys

Revision ID: d4a7c1e9b2f6
Revises: c8e2f5a1d3b7
Create Date: 2026-12-03 09:00:00.000000

Personal access tokens (the SHA-256 of the secret, scopes, expiry, last use, revocation), the stored
responses of POSTs sent with an Idempotency-Key, and the ticket indexes the API's list pages read in
(updated_at, id) order: all tickets, and per assignee or group and status.
"""
import sqlalchemy as sa
from alembic import op


revision = 'd4a7c1e9b2f6'
down_revision = 'c8e2f5a1d3b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('prefix', sa.String(length=16), nullable=False),
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('scopes', sa.JSON(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('expires_at', sa.DateTime(), nullable=True),
                    sa.Column('last_used_at', sa.DateTime(), nullable=True),
                    sa.Column('last_used_ip', sa.String(length=64), nullable=True),
                    sa.Column('revoked_at', sa.DateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_api_token_user_id_user',
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name='pk_api_token'),
                    sa.UniqueConstraint('token_hash', name='uq_api_token_token_hash'))
    op.create_index('ix_api_token_user_id', 'api_token', ['user_id'], unique=False)
    op.create_table('api_idempotency_key',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('token_id', sa.Integer(), nullable=False),
                    sa.Column('key', sa.String(length=255), nullable=False),
                    sa.Column('fingerprint', sa.String(length=64), nullable=False),
                    sa.Column('status_code', sa.Integer(), nullable=True),
                    sa.Column('response_body', sa.Text(), nullable=True),
                    sa.Column('response_headers', sa.JSON(), nullable=True),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(['token_id'], ['api_token.id'],
                                            name='fk_api_idempotency_key_token_id_api_token', ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name='pk_api_idempotency_key'),
                    sa.UniqueConstraint('token_id', 'key', name='uq_api_idempotency_key_token_key'))
    op.create_index('ix_api_idempotency_key_created', 'api_idempotency_key', ['created_at'], unique=False)
    op.create_index('ix_ticket_updated', 'ticket', ['updated_at', 'id'], unique=False)
    op.create_index('ix_ticket_assignee_status_updated', 'ticket', ['assignee_id', 'status', 'updated_at'],
                    unique=False)
    op.create_index('ix_ticket_group_status_updated', 'ticket', ['group_id', 'status', 'updated_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_ticket_group_status_updated', table_name='ticket')
    op.drop_index('ix_ticket_assignee_status_updated', table_name='ticket')
    op.drop_index('ix_ticket_updated', table_name='ticket')
    op.drop_index('ix_api_idempotency_key_created', table_name='api_idempotency_key')
    op.drop_table('api_idempotency_key')
    op.drop_index('ix_api_token_user_id', table_name='api_token')
    op.drop_table('api_token')
