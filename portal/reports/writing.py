"""Writing the rollups from the facts: per day, every slice (all, one dimension, and the pairs a filtered
breakdown reads), the histograms of durations per day, and the same histograms per calendar month (so a
year reads twelve rows per bucket instead of 365)."""
from datetime import date, timedelta

from sqlalchemy import and_, func, literal, select

from portal.extensions import db
from portal.reports.aggregate import COUNTS, FAMILIES, METRICS, family_buckets, family_sums
from portal.reports.filters import month_start, next_month
from portal.reports.models import ReportDay, ReportHistogram

DIMENSIONS = ("store", "channel", "group", "agent", "topic", "tag")
FILTERABLE = ("store", "channel", "group", "agent", "tag")
BREAKDOWN = ("channel", "store", "topic", "group", "tag", "agent")
# "filter:breakdown": the breakdowns under one filter (tickets created and solved; everything per agent).
PAIRS = tuple(f"{f}:{b}" for f in FILTERABLE for b in BREAKDOWN if f != b)
MONTHLY = "@month"  # suffix of the metric of a histogram row that holds a whole calendar month


def families_of(grain: str):
    """The families a grain's report_day rows hold: a pair's are tickets created and solved only."""
    if ":" in grain and not grain.endswith(":agent"):
        return ("created", "solved")
    return tuple(FAMILIES)


def rollup_rows(start: date, end: date) -> tuple[list[dict], list[dict]]:
    """(report_day rows, report_histogram rows) of the days [start, end], computed from the facts."""
    cells = {}
    for grain in ("all", *DIMENSIONS, *PAIRS):
        for family in families_of(grain):
            for row in family_sums(family, start, end, grain=grain):
                cell = cells.setdefault((row.day, grain, row.key), dict.fromkeys(COUNTS, 0))
                for name, value in row._mapping.items():
                    if name in cell:
                        cell[name] += int(value or 0)
    days = [{"day": day, "grain": grain, "key": key, **counts} for (day, grain, key), counts in cells.items()
            if any(counts.values())]
    buckets = [{"grain": grain, "metric": metric, "day": row.day, "key": row.key, "bucket": row.bucket,
                "count": row.count, "low": row.low, "high": row.high}
               for metric in METRICS for grain in ("all", *DIMENSIONS)
               for row in family_buckets(metric, start, end, grain=grain)]
    return days, buckets


def write_days(days) -> int:
    """Recompute the rollups of these days (consecutive ones together) and, once each, their months."""
    written, months = 0, set()
    for start, end in _ranges(days):
        written += write_rollups(start, end, months=False)
        months.update(_months(start, end))
    for month in sorted(months):
        write_month(month)
    return written


def _ranges(days, longest: int = 31) -> list[tuple[date, date]]:
    """Consecutive days grouped into ranges of at most `longest` days."""
    ranges = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1) and (day - ranges[-1][0]).days < longest:
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(a, b) for a, b in ranges]


def _months(start: date, end: date) -> list[date]:
    months, month = [], month_start(start)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def write_rollups(start: date, end: date, *, months: bool = True) -> int:
    """Replace the rollups of [start, end] (and of the months they touch, unless `months` is False) with
    fresh ones; returns the rows written."""
    days, buckets = rollup_rows(start, end)
    for model, rows in ((ReportDay, days), (ReportHistogram, buckets)):
        condition = and_(model.day >= start, model.day <= end)
        if model is ReportHistogram:
            condition = and_(condition, model.metric.in_(METRICS))
        db.session.execute(model.__table__.delete().where(condition))
        for first in range(0, len(rows), 5000):
            db.session.execute(model.__table__.insert(), rows[first:first + 5000])
    for month in _months(start, end) if months else ():
        write_month(month)
    return len(days) + len(buckets)


def write_month(month: date) -> None:
    """The month's histogram rows (metric "frt@month", day = the 1st) summed from its daily rows."""
    H = ReportHistogram.__table__.c
    last = next_month(month) - timedelta(days=1)
    db.session.execute(ReportHistogram.__table__.delete().where(
        H.metric.in_([m + MONTHLY for m in METRICS]), H.day == month))
    summed = (select(H.grain, (H.metric + MONTHLY).label("metric"), literal(month).label("day"), H.key, H.bucket,
                     func.sum(H.count), func.min(H.low), func.max(H.high))
              .where(H.metric.in_(METRICS), H.day.between(month, last))
              .group_by(H.grain, H.metric, H.key, H.bucket))
    db.session.execute(ReportHistogram.__table__.insert().from_select(
        ["grain", "metric", "day", "key", "bucket", "count", "low", "high"], summed))
