"""Adding ticket facts up in SQL, for both uses:
- the daily rollups (every slice of each day: all, per store, channel, group, agent, topic and tag), and
- a page whose filters no rollup holds (two filters or more, or a breakdown under a filter), read from the
  fact rows of its period through the covering indexes of report_ticket (never from the tickets).

Each measure has its own day and, for the agent slice, its own person: tickets created, solved and the
backlog belong to the assignee, a first response to the one who wrote it, a survey to the agent it was
about, replies to their author.
"""
from datetime import date

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from portal.extensions import db
from portal.reports.histogram import Histogram
from portal.reports.models import ReportReply, ReportTicket
from portal.tickets.models import TicketTag

COUNTS = ("created", "solved", "reopened", "one_touch", "solved_replies", "replies", "sla_first_met",
          "sla_first_breached", "sla_resolution_met", "sla_resolution_breached", "sla_next_breached",
          "sla_breached", "csat_good", "csat_okay", "csat_bad", "wismo_answered", "wismo_replied",
          "wismo_routed")
_COUNT_NAMES = frozenset(COUNTS)
METRICS = ("frt", "resolution")
NONE_KEY = "-"
# Between the two keys of a pair: never in a tag (tags are split on whitespace, which includes it).
SEPARATOR = "\x1f"
T = ReportTicket.__table__.c
R = ReportReply.__table__.c
TAG = TicketTag.__table__.c


class Measures:
    """The additive figures of one slice (a day, a period, an agent...): counts, and two histograms."""

    __slots__ = (*COUNTS, "frt", "resolution")

    def __init__(self, counts=None):
        for name in COUNTS:
            setattr(self, name, 0)
        self.frt, self.resolution = Histogram(), Histogram()
        if counts:
            self.add_counts(counts)

    def add_counts(self, counts) -> None:
        """Add the counts of a mapping (a result row's ._mapping) that holds some of COUNTS."""
        # Walk the mapping's own items: a row mapping's get() of an absent name raises and catches a
        # KeyError, and most rows hold a few of COUNTS only (a year of daily rows is thousands of them).
        for name, value in counts.items():
            if value and name in _COUNT_NAMES:
                setattr(self, name, getattr(self, name) + int(value))

    def merge(self, other: "Measures") -> None:
        for name in COUNTS:
            value = getattr(other, name)
            if value:
                setattr(self, name, getattr(self, name) + value)
        if other.frt.cells:
            self.frt.merge(other.frt)
        if other.resolution.cells:
            self.resolution.merge(other.resolution)

    def counts(self) -> dict:
        return {name: getattr(self, name) for name in COUNTS}


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# family -> (its day column, the person of its agent slice and agent filter, its sums)
FAMILIES = {
    "created": (T.created_day, T.assignee_id, lambda: [
        func.count().label("created"),
        _count_if(T.sla_first == "met").label("sla_first_met"),
        _count_if(T.sla_first == "breached").label("sla_first_breached"),
        _count_if(T.sla_resolution == "met").label("sla_resolution_met"),
        _count_if(T.sla_resolution == "breached").label("sla_resolution_breached"),
        _count_if(T.sla_next_breached.is_(True)).label("sla_next_breached"),
        _count_if((T.sla_first == "breached") | (T.sla_resolution == "breached") | T.sla_next_breached.is_(True))
        .label("sla_breached"),
        _count_if(T.wismo == "answered").label("wismo_answered"),
        _count_if((T.wismo == "answered") & T.wismo_replied.is_(True)).label("wismo_replied"),
        _count_if(T.wismo == "routed").label("wismo_routed")]),
    "solved": (T.solved_day, T.assignee_id, lambda: [
        func.count().label("solved"), _count_if(T.reopens > 0).label("reopened"),
        _count_if(T.replies == 1).label("one_touch"), func.coalesce(func.sum(T.replies), 0).label("solved_replies")]),
    "csat": (T.csat_day, T.csat_agent_id, lambda: [
        _count_if(T.csat_rating == "good").label("csat_good"), _count_if(T.csat_rating == "okay").label("csat_okay"),
        _count_if(T.csat_rating == "bad").label("csat_bad")]),
    "replies": (R.day, R.agent_id, lambda: [func.coalesce(func.sum(R.replies), 0).label("replies")]),
}
# metric -> (family of its day, its bucket and seconds columns)
HISTOGRAMS = {"frt": ("frt", T.frt_bucket, T.frt_seconds), "resolution": ("solved", T.resolution_bucket,
                                                                          T.resolution_seconds)}
DAY_OF = {"created": T.created_day, "solved": T.solved_day, "frt": T.first_reply_day, "csat": T.csat_day,
          "replies": R.day}
AGENT_OF = {"created": T.assignee_id, "solved": T.assignee_id, "frt": T.first_replier_id, "csat": T.csat_agent_id,
            "replies": R.agent_id}


def key_of(value) -> str:
    return NONE_KEY if value is None or value == "" else str(value)


def _columns(family: str) -> dict:
    """The dimension columns a family reads: its own table's (replies carry the ticket's dimensions)."""
    table = R if family == "replies" else T
    return {"store": table.store_id, "channel": table.channel, "group": table.group_id, "topic": table.topic,
            "agent": AGENT_OF[family], "ticket": table.ticket_id}


def _shape(family: str, grain: str | None):
    """(FROM clause, key expression or None) of a family read per slice. A grain is one dimension, or a
    pair "store:channel" whose key is "1<SEPARATOR>email"; each tag in it is its own join of ticket_tag."""
    table = ReportReply.__table__ if family == "replies" else ReportTicket.__table__
    if grain is None:
        return table, None
    if grain == "all":
        return table, literal("")
    source, parts, columns = table, [], _columns(family)
    for position, dimension in enumerate(grain.split(":")):
        if dimension == "tag":
            tags = TicketTag.__table__.alias(f"tag_{position}")
            source = source.join(tags, tags.c.ticket_id == table.c.ticket_id)
            parts.append(tags.c.tag)
        else:
            parts.append(func.coalesce(cast(columns[dimension], String), NONE_KEY))
    key = parts[0] if len(parts) == 1 else parts[0].concat(SEPARATOR).concat(parts[1])
    return source, key


def _unindexed(column):
    """The channel column for a filter without the group one. Without statistics SQLite would seek the
    "_by_channel" indexes on channel alone and read every day of that channel; its unary + keeps it on
    the index of the period's days (PostgreSQL weighs both with its statistics)."""
    if db.engine.dialect.name == "sqlite":
        return UnaryExpression(column, operator=custom_op("+"), type_=column.type)
    return column


def where(filters, family: str) -> list:
    """SQL conditions of the filters' dimensions (the agent one on this family's person)."""
    conditions = []
    if filters is None:
        return conditions
    columns = _columns(family)
    for name in ("store", "channel", "group", "agent"):
        value = getattr(filters, name)
        if value is not None:
            column = _unindexed(columns[name]) if name == "channel" and filters.group is None else columns[name]
            conditions.append(column == value)
    if filters.stores is not None:
        conditions.append(columns["store"].in_(filters.stores))
    if filters.tag is not None:
        conditions.append(columns["ticket"].in_(select(TicketTag.ticket_id).where(TicketTag.tag == filters.tag)))
    return conditions


def family_sums(family: str, start: date, end: date, *, filters=None, grain=None, by_day=True):
    """Rows of (day?, key?, sums...) of one family over [start, end]."""
    day, _agent, sums = FAMILIES[family]
    source, key = _shape(family, grain)
    groups = ([day.label("day")] if by_day else []) + ([key.label("key")] if key is not None else [])
    query = select(*groups, *sums()).select_from(source).where(day.between(start, end), *where(filters, family))
    return db.session.execute(query.group_by(*groups) if groups else query).all()


def family_combos(family: str, start: date, end: date, *, filters=None):
    """Rows of (store, channel, group, topic, sums...) of one family over [start, end]: every single-value
    breakdown of a filtered period from one read."""
    _day, _agent, sums = FAMILIES[family]
    columns = _columns(family)
    dims = [columns[name].label(name) for name in ("store", "channel", "group", "topic")]
    query = select(*dims, *sums()).select_from(_shape(family, None)[0]).where(
        DAY_OF[family].between(start, end), *where(filters, family))
    return db.session.execute(query.group_by(*dims)).all()


def period_start(column, unit: str):
    """SQL of the first day of the day's week (Monday) or month; the day itself for "day"."""
    if unit == "day":
        return column
    if db.engine.dialect.name == "sqlite":
        text = func.date(column, "weekday 0", "-6 days") if unit == "week" else func.date(column, "start of month")
    else:
        text = func.date_trunc(unit, column)
    return cast(text, String)


def family_buckets(metric: str, start: date, end: date, *, filters=None, grain=None, by_day=True, unit="day"):
    """Rows of (day?, key?, bucket, count, low, high) of a duration over [start, end]; `day` is the first
    day of its week or month with `unit`."""
    family, bucket_column, seconds = HISTOGRAMS[metric]
    day = DAY_OF[family]
    source, key = _shape(family, grain)
    groups = ([period_start(day, unit).label("day")] if by_day else []) + (
        [key.label("key")] if key is not None else [])
    query = select(*groups, bucket_column.label("bucket"), func.count().label("count"),
                   func.min(seconds).label("low"), func.max(seconds).label("high")).select_from(source)
    query = query.where(day.between(start, end), bucket_column.is_not(None), *where(filters, family))
    return db.session.execute(query.group_by(*groups, bucket_column)).all()
