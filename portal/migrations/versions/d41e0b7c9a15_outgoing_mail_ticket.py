"""outgoing mail ticket

Revision ID: d41e0b7c9a15
Revises: c3d1f0a2b7e9
Create Date: 2026-12-02 13:20:00.000000

The outbox lists a ticket's mail only to staff who may see that ticket.
"""
import sqlalchemy as sa
from alembic import op


revision = 'd41e0b7c9a15'
down_revision = 'c3d1f0a2b7e9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outgoing_mail_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outgoing_mail_ticket_id_ticket'), 'ticket', ['ticket_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outgoing_mail_ticket_id_ticket'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_ticket_id'))
        batch_op.drop_column('ticket_id')
