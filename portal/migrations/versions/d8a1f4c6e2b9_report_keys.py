"""report keys: pair separator and per-language search totals

Revision ID: d8a1f4c6e2b9
Revises: c5e7f9a1b3d6
Create Date: 2026-12-03 13:40:00.000000

Pair rollups ("store:channel") join their two keys with the unit separator (U+001F) instead of "|", which
a tag may hold. Searches and searches with no result get per-language daily totals ("search_total",
"empty_total"), summed here from the per-query counters already kept.
"""
import sqlalchemy as sa
from alembic import op


revision = 'd8a1f4c6e2b9'
down_revision = 'c5e7f9a1b3d6'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE report_day SET key = replace(key, '|', :sep) WHERE grain LIKE '%:%'"),
                 {"sep": "\x1f"})
    for metric, total in (("search", "search_total"), ("search_empty", "empty_total")):
        bind.execute(sa.text("DELETE FROM report_counter WHERE metric = :total"), {"total": total})
        bind.execute(sa.text(
            "INSERT INTO report_counter (metric, day, key, lang, value) "
            "SELECT :total, day, '', lang, SUM(value) FROM report_counter WHERE metric = :metric "
            "GROUP BY day, lang"), {"total": total, "metric": metric})


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE report_day SET key = replace(key, :sep, '|') WHERE grain LIKE '%:%'"),
                 {"sep": "\x1f"})
    bind.execute(sa.text("DELETE FROM report_counter WHERE metric IN ('search_total', 'empty_total')"))
