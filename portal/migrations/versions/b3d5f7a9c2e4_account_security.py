"""accounts: two-factor login, sessions, audit log

Revision ID: b3d5f7a9c2e4
Revises: a2c4e6f8b1d3
Create Date: 2026-12-03 09:00:00.000000

Two-factor login (TOTP secret, recovery codes), a session epoch that ends every other session when it
moves, the site's security settings (one row), and the append-only audit log of staff actions: triggers
refuse UPDATE and DELETE on it in the database too.
"""
import sqlalchemy as sa
from alembic import op


revision = 'b3d5f7a9c2e4'
down_revision = 'a2c4e6f8b1d3'
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))

    op.create_table('recovery_code',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('code_hash', sa.String(length=64), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('used_at', sa.DateTime(), nullable=True),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_recovery_code_user_id_user',
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name='pk_recovery_code'))
    op.create_index('ix_recovery_code_user_id', 'recovery_code', ['user_id'], unique=False)

    policy = op.create_table('security_policy',
                             sa.Column('id', sa.Integer(), nullable=False),
                             sa.Column('require_staff_two_factor', sa.Boolean(), nullable=False),
                             sa.Column('updated_at', sa.DateTime(), nullable=True),
                             sa.Column('updated_by_id', sa.Integer(), nullable=True),
                             sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                                     name='fk_security_policy_updated_by_id_user',
                                                     ondelete='SET NULL'),
                             sa.PrimaryKeyConstraint('id', name='pk_security_policy'))
    op.bulk_insert(policy, [{'id': 1, 'require_staff_two_factor': False}])

    op.create_table('audit_event',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('actor_id', sa.Integer(), nullable=True),
                    sa.Column('actor_email', sa.String(length=254), nullable=False),
                    sa.Column('action', sa.String(length=80), nullable=False),
                    sa.Column('target_type', sa.String(length=60), nullable=False),
                    sa.Column('target_id', sa.String(length=64), nullable=False),
                    sa.Column('target_label', sa.String(length=254), nullable=False),
                    sa.Column('details', sa.JSON(), nullable=False),
                    sa.Column('ip', sa.String(length=64), nullable=True),
                    sa.PrimaryKeyConstraint('id', name='pk_audit_event'))
    op.create_index('ix_audit_event_created_at', 'audit_event', ['created_at'], unique=False)
    op.create_index('ix_audit_event_actor_created', 'audit_event', ['actor_email', 'created_at'], unique=False)
    op.create_index('ix_audit_event_action_created', 'audit_event', ['action', 'created_at'], unique=False)
    for statement in _append_only_statements():
        op.execute(statement)


def _append_only_statements() -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        return APPEND_ONLY_SQLITE
    if dialect == 'postgresql':
        return APPEND_ONLY_POSTGRESQL
    return []


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    elif dialect == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    op.drop_index('ix_audit_event_action_created', table_name='audit_event')
    op.drop_index('ix_audit_event_actor_created', table_name='audit_event')
    op.drop_index('ix_audit_event_created_at', table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_table('security_policy')
    op.drop_index('ix_recovery_code_user_id', table_name='recovery_code')
    op.drop_table('recovery_code')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('session_epoch')
