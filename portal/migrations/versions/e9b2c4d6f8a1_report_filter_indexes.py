"""report filter indexes: facts by channel and group

Revision ID: e9b2c4d6f8a1
Revises: d8a1f4c6e2b9
Create Date: 2026-12-03 14:40:00.000000

A page filtered on channel and group reads the fact rows of its period; these covering indexes lead with
both, so it reads only the matching rows (a year of one channel and group instead of a year of everything).
"""
from alembic import op


revision = 'e9b2c4d6f8a1'
down_revision = 'd8a1f4c6e2b9'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_report_ticket_created_by_channel", "report_ticket",
     ["created_day", "store_id", "assignee_id", "topic", "sla_first", "sla_resolution", "sla_next_breached", "wismo",
      "wismo_replied"]),
    ("ix_report_ticket_solved_by_channel", "report_ticket",
     ["solved_day", "created_day", "store_id", "assignee_id", "topic", "replies", "reopens", "resolution_bucket",
      "resolution_seconds"]),
    ("ix_report_ticket_first_reply_by_channel", "report_ticket",
     ["first_reply_day", "store_id", "first_replier_id", "topic", "frt_bucket", "frt_seconds"]),
    ("ix_report_ticket_csat_by_channel", "report_ticket",
     ["csat_day", "store_id", "csat_agent_id", "topic", "csat_rating"]),
    ("ix_report_reply_by_channel", "report_reply", ["day", "store_id", "agent_id", "topic", "replies"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, ["channel", "group_id", *columns], unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
