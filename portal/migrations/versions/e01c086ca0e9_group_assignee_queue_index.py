"""group assignee queue index

Revision ID: e01c086ca0e9
Revises: a7fd2f84b022
Create Date: 2026-12-01 23:00:00.000000

Found by bench/tickets.py on 1,000,000 tickets: for agents whose scope is their groups (or their own
tickets), "Unassigned" and "My groups" are ranges of (group, status, assignee); without this index SQLite
read every unsolved ticket of the group row by row to check the assignee.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e01c086ca0e9'
down_revision = 'a7fd2f84b022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_group_assignee_queue',
                              ['group_id', 'status', 'assignee_id', 'priority_rank', 'waiting_since', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_group_assignee_queue')
