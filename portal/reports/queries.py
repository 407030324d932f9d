"""The read side of the ticket reports: per-day measures, the backlog and breakdowns for given filters.

Where the figures come from: no filter, or one (store, channel, group, agent or tag), reads the daily
rollups of that slice (one row per day); two filters read the counts the pair rollup holds from it and
the rest (surveys, replies, durations) from the fact rows of the period; more filters read the facts only,
as do breakdowns under a filter. Names of stores, groups and agents come from here.
"""
from datetime import date

from sqlalchemy import func, select, union_all

from portal.extensions import db
from portal.reports import aggregate
from portal.reports.aggregate import Measures
from portal.reports.filters import month_segments
from portal.reports.models import ReportDay, ReportHistogram, ReportTicket
from portal.reports.writing import MONTHLY, PAIRS, families_of

T = ReportTicket.__table__.c


# --- names ---------------------------------------------------------------------------------------

def store_names() -> dict:
    from portal.orders.models import Store

    return dict(db.session.execute(select(Store.id, Store.name).order_by(Store.name)).all())


def group_names() -> dict:
    from portal.tickets.models import TicketGroup

    return dict(db.session.execute(select(TicketGroup.id, TicketGroup.name).order_by(TicketGroup.name)).all())


def agent_names() -> dict:
    """Agents and managers (not the automation user), by name."""
    from portal.accounts.models import Role, User
    from portal.permissions import SYSTEM_EMAIL

    users = db.session.scalars(select(User).where(User.role.in_((Role.AGENT, Role.MANAGER)),
                                                  User.email != SYSTEM_EMAIL))
    return dict(sorted(((u.id, u.display_name) for u in users), key=lambda item: item[1].lower()))


def channel_names() -> dict:
    from portal.tickets.models import CHANNEL_LABELS

    return {channel.value: str(label) for channel, label in CHANNEL_LABELS.items()}


def topic_names() -> dict:
    from portal.tickets.forms import TOPIC_LABELS

    return {key: str(label) for key, label in TOPIC_LABELS.items()}


# --- which source ----------------------------------------------------------------------------------

def rollup_slice(filters) -> tuple[str, str] | None:
    """(grain, key) of the rollup holding exactly these filters, or None when the facts must be read."""
    active = filters.active()
    if not filters.whole_slices:
        return None
    if not active:
        return "all", ""
    if len(active) == 1:
        (name, value), = active.items()
        return name, aggregate.key_of(value)
    return None


def pair_slice(filters) -> tuple[str, str] | None:
    """(pair grain, key) of the rollup holding exactly two filters, or None. A pair rollup holds tickets
    created and solved only (everything when its second half is the agent): writing.families_of."""
    active = filters.active()
    if not filters.whole_slices or len(active) != 2:
        return None
    (first, one), (second, other) = active.items()
    if f"{first}:{second}" not in PAIRS:
        return None
    return f"{first}:{second}", aggregate.key_of(one) + aggregate.SEPARATOR + aggregate.key_of(other)


def source(filters) -> str:
    return "rollups" if rollup_slice(filters) else "facts"


def _fold_buckets(rows, target_of) -> None:
    for row in rows:
        histogram = target_of(row)
        if histogram is not None:
            histogram.add_cell(row.bucket, int(row.count), int(row.low), int(row.high))


def daily(filters) -> dict[date, Measures]:
    """{day: Measures} of counts over the filters' period (days without activity are absent): the rollup of
    the slice, and for two filters the facts of what their pair rollup does not hold."""
    out, where = {}, rollup_slice(filters)
    in_rollup = aggregate.FAMILIES if where else ()
    if where is None and (where := pair_slice(filters)):
        in_rollup = families_of(where[0])

    def day(value):
        found = out.get(value)
        if found is None:
            found = out[value] = Measures()
        return found

    if where is not None:
        grain, key = where
        for row in db.session.execute(select(ReportDay.__table__).where(
                ReportDay.grain == grain, ReportDay.key == key, ReportDay.day.between(filters.start, filters.end))):
            day(row.day).add_counts(row._mapping)
    for family in (f for f in aggregate.FAMILIES if f not in in_rollup):
        for row in aggregate.family_sums(family, filters.start, filters.end, filters=filters):
            day(row.day).add_counts(row._mapping)
    return out


def histograms_by(filters, unit: str) -> dict[date, Measures]:
    """{first day of each day, week or month: Measures holding only its two duration histograms}."""
    out, days = {}, {}
    for metric in aggregate.METRICS:
        for day, bucket, count, low, high in _buckets(filters, metric, by_day=True, unit=unit):
            start = days.get(day)
            if start is None:  # a date, or the text of one from a SQL date function
                start = days[day] = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
            measures = out.get(start)
            if measures is None:
                measures = out[start] = Measures()
            getattr(measures, metric).add_cell(bucket, int(count), int(low), int(high))
    return out


def _buckets(filters, metric: str, *, by_day=False, grain=None, unit="day"):
    """Histogram rows (day?, key?, bucket, count, low, high) of the period, from the rollups or the facts.
    Whole calendar months are read from the monthly rows unless the rows are wanted per day or week."""
    where = rollup_slice(filters) if grain is None else (grain, None) \
        if filters.whole_slices and set(filters.active()) <= {grain} else None
    if where is None:
        return aggregate.family_buckets(metric, filters.start, filters.end, filters=filters, grain=grain,
                                        by_day=by_day, unit=unit)
    rollup_grain, key = where
    if grain is not None and filters.active():
        key = aggregate.key_of(filters.active()[grain])
    H = ReportHistogram.__table__.c
    monthly = not by_day or unit == "month"
    pieces = month_segments(filters.start, filters.end) if monthly else [("day", filters.start, filters.end)]
    parts = []
    for kind, first, last in pieces:
        part = select(H.day, H.key, H.bucket, H.count, H.low, H.high).where(
            H.grain == rollup_grain, H.metric == (metric + MONTHLY if kind == "month" else metric),
            H.day.between(first, last))
        parts.append(part.where(H.key == key) if key is not None else part)
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    period = aggregate.period_start(rows.c.day, unit).label("day")
    groups = ([period] if by_day else []) + ([rows.c.key] if grain else [])
    query = select(*groups, rows.c.bucket, func.sum(rows.c.count).label("count"), func.min(rows.c.low).label("low"),
                   func.max(rows.c.high).label("high")).group_by(*groups, rows.c.bucket)
    return db.session.execute(query).all()


def histograms(filters) -> Measures:
    """The period's two duration histograms (in a Measures without counts)."""
    measures = Measures()
    for metric in aggregate.METRICS:
        _fold_buckets(_buckets(filters, metric), lambda _row, m=metric: getattr(measures, m))
    return measures


def backlog_before(filters, day: date) -> int:
    """Tickets created before `day` and not solved before it."""
    where = rollup_slice(filters) or pair_slice(filters)
    if where is not None:
        grain, key = where
        created, solved = db.session.execute(
            select(func.coalesce(func.sum(ReportDay.created), 0), func.coalesce(func.sum(ReportDay.solved), 0))
            .where(ReportDay.grain == grain, ReportDay.key == key, ReportDay.day < day)).one()
        return int(created) - int(solved)
    # Unsolved now or solved since `day`, and created before it: one range of the solved-day index each (it
    # also holds the creation day), so the work grows with the backlog and the period, not with the years.
    conditions = aggregate.where(filters, "solved")

    def count(*condition):
        return int(db.session.scalar(select(func.count()).select_from(ReportTicket).where(
            *condition, T.created_day < day, *conditions)) or 0)

    return count(T.solved_day.is_(None)) + count(T.solved_day >= day)


def breakdowns(filters, dimensions) -> dict[str, dict[str, Measures]]:
    """{dimension: {key: Measures}} of the period per store, channel, group, agent, topic or tag (counts;
    the agent breakdown also has its first-response histograms). Unfiltered or filtered on that dimension:
    its rollup; one other filter: the pair rollup; more, or a limit of several stores: the facts."""
    active, out = filters.active(), {}
    facts = len(active) > 1 or not filters.whole_slices
    single = [d for d in dimensions if d in ("store", "channel", "group", "topic") and facts]
    if len(single) > 1:  # read the facts once for all of them
        out.update(_combos(filters, single))
    for dimension in (d for d in dimensions if d not in out):
        if not facts and set(active) <= {dimension}:
            rows = _rollup_breakdown(filters, dimension, aggregate.key_of(active[dimension]) if active else None)
        elif not facts:
            (name, value), = active.items()
            rows = _rollup_breakdown(filters, f"{name}:{dimension}", aggregate.key_of(value) + aggregate.SEPARATOR,
                                     prefix=True)
        else:  # the breakdowns show tickets created and solved; the agents' table shows everything
            rows = {}
            for family in aggregate.FAMILIES if dimension == "agent" else ("created", "solved"):
                for row in aggregate.family_sums(family, filters.start, filters.end, filters=filters,
                                                 grain=dimension, by_day=False):
                    rows.setdefault(row.key, Measures()).add_counts(row._mapping)
        if dimension == "agent":
            _fold_buckets(_buckets(filters, "frt", grain="agent"),
                          lambda row, found=rows: found.setdefault(row.key, Measures()).frt)
        out[dimension] = rows
    return out


def _rollup_breakdown(filters, grain: str, key: str | None, *, prefix: bool = False) -> dict:
    """{key: Measures} summed over the period from report_day: one grain (optionally one key), or the keys
    of a pair grain that start with `key` ("<filter value>␟<breakdown value>", read as one key range)."""
    D = ReportDay.__table__.c
    query = select(D.key, *(func.sum(getattr(D, name)).label(name) for name in aggregate.COUNTS)).where(
        D.grain == grain, D.day.between(filters.start, filters.end))
    if prefix:
        query = query.where(D.key >= key, D.key < key[:-1] + chr(ord(aggregate.SEPARATOR) + 1))
    elif key is not None:
        query = query.where(D.key == key)
    out = {}
    for row in db.session.execute(query.group_by(D.key)):
        out.setdefault(row.key[len(key):] if prefix else row.key, Measures()).add_counts(row._mapping)
    return out


def _combos(filters, dimensions) -> dict:
    out = {dimension: {} for dimension in dimensions}
    for family in ("created", "solved"):
        for row in aggregate.family_combos(family, filters.start, filters.end, filters=filters):
            for dimension in dimensions:
                key = aggregate.key_of(getattr(row, dimension))
                found = out[dimension].get(key)
                if found is None:
                    found = out[dimension][key] = Measures()
                found.add_counts(row._mapping)
    return out


def latest_comments(filters, limit: int = 10) -> list[dict]:
    """The latest survey comments of the period, within the filters (the agent filter on the surveyed agent)."""
    from portal.automation.models import CsatSurvey

    conditions = aggregate.where(filters, "csat")
    rows = db.session.execute(
        select(CsatSurvey.ticket_id, CsatSurvey.rating, CsatSurvey.comment, CsatSurvey.answered_at, CsatSurvey.agent_id)
        .join(ReportTicket, ReportTicket.ticket_id == CsatSurvey.ticket_id)
        .where(T.csat_day.between(filters.start, filters.end), T.csat_comment.is_(True), *conditions)
        .order_by(CsatSurvey.answered_at.desc(), CsatSurvey.id.desc()).limit(limit))
    return [{"ticket": row.ticket_id + 1000, "rating": row.rating, "comment": row.comment,
             "answered_at": row.answered_at.isoformat(), "agent_id": row.agent_id} for row in rows]


def ticket_rows(filters):
    """Every fact row of tickets created in the period within the filters, in creation order, read one day
    at a time (for the CSV export: a year never sits in memory)."""
    from datetime import timedelta

    conditions = aggregate.where(filters, "created")
    day = filters.start
    while day <= filters.end:
        yield from db.session.execute(select(ReportTicket.__table__).where(T.created_day == day, *conditions)
                                      .order_by(T.created_at, T.ticket_id))
        day += timedelta(days=1)
