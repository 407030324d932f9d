"""CSV exports: each report as one row per day (or per agent), and the tickets of a period one per row.
All are generators that read a month (or 2,000 tickets) at a time, so a year of figures streams."""
import csv
import io
from datetime import timedelta

from flask_babel import gettext as _

from portal.errors import NotFound, PermissionDenied
from portal.reports import queries, self_service, service
from portal.reports.filters import Filters, scoped
from portal.reports.service import summary_of

DAILY = {
    "dashboard": ("created", "solved", "backlog", "replies", "frt_median", "resolution_median", "one_touch_rate",
                  "reopen_rate", "sla_first_rate", "sla_breached_tickets", "csat_score"),
    "volume": ("created", "solved", "backlog"),
    "times": ("frt_median", "frt_p90", "frt_count", "resolution_median", "resolution_p90", "resolution_count",
              "replies_per_solve", "one_touch_rate", "reopen_rate"),
    "sla": ("sla_first_met", "sla_first_breached", "sla_first_rate", "sla_resolution_met", "sla_resolution_breached",
            "sla_resolution_rate", "sla_next_breached", "sla_breached_tickets"),
    "csat": ("csat_good", "csat_okay", "csat_bad", "csat_answered", "csat_score"),
}
SELF_SERVICE = (("searches", "search"), ("searches_empty", "search_empty"), ("search_clicks", "search_click"),
                ("article_views", "article_view"), ("votes_helpful", "vote_yes"), ("votes_unhelpful", "vote_no"),
                ("suggestions_opened", "deflect_open"), ("deflected", "deflected"),
                ("forum_questions", "forum_question"), ("forum_accepted", "forum_accepted"))
AGENTS = ("agent_id", "name", "replies", "solved", "created", "frt_median", "frt_count", "csat_score",
          "csat_answered", "one_touch_rate")
TICKETS = ("ticket", "created_at", "created_day", "solved_day", "status", "channel", "store", "group", "assignee",
           "topic", "tags", "first_response_minutes", "resolution_minutes", "replies", "reopens", "sla_first",
           "sla_resolution", "csat")
DURATION_COLUMNS = {"frt_median", "frt_p90", "resolution_median", "resolution_p90"}


def _line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_safe(v) for v in values])
    return buffer.getvalue()


def _chunks(rows, size: int = 1000):
    """CSV text of `rows` (lists of values), a chunk of `size` lines at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for values in rows:
        writer.writerow([_safe(v) for v in values])
        count += 1
        if count == size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            count = 0
    if count:
        yield buffer.getvalue()


def _safe(value):
    """Neutralise spreadsheet formulas in text cells (a tag or a name starting with = + - @)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _minutes(seconds):
    return None if seconds is None else round(seconds / 60, 1)


def _months(filters: Filters):
    """The period cut into calendar months (each a Filters), in order."""
    start = filters.start
    while start <= filters.end:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = min(following - timedelta(days=1), filters.end)
        yield Filters(start=start, end=end, period="custom", store=filters.store, channel=filters.channel,
                      group=filters.group, agent=filters.agent, tag=filters.tag, stores=filters.stores)
        start = end + timedelta(days=1)


def _daily_rows(filters: Filters, columns):
    yield _line(["date", *(f"{c}_minutes" if c in DURATION_COLUMNS else c for c in columns)])
    backlog = queries.backlog_before(filters, filters.start)
    for month in _months(filters):
        daily = queries.daily(month)
        durations = queries.histograms_by(month, "day") if DURATION_COLUMNS & set(columns) else {}
        day = month.start
        while day <= month.end:
            measures = daily.get(day)
            if day in durations:
                measures = measures or service.Measures()
                measures.merge(durations[day])
            if measures is not None:
                backlog += measures.created - measures.solved
            figures = summary_of(measures or service.Measures(), backlog)
            yield _line([day.isoformat(), *(_minutes(figures[c]) if c in DURATION_COLUMNS else figures[c]
                                            for c in columns)])
            day += timedelta(days=1)


def _self_service_rows(filters: Filters):
    yield _line(["date", *(name for name, _metric in SELF_SERVICE)])
    for month in _months(filters):
        daily = self_service.daily(month.start, month.end)
        day = month.start
        while day <= month.end:
            counts = daily.get(day, {})
            yield _line([day.isoformat(), *(counts.get(metric, 0) for _name, metric in SELF_SERVICE)])
            day += timedelta(days=1)


def _agent_rows(filters: Filters):
    yield _line(AGENTS[:5] + ("frt_median_minutes",) + AGENTS[6:])
    for row in service.agent_figures(filters):
        yield _line([_minutes(row[c]) if c == "frt_median" else row[c] for c in AGENTS])


def _ticket_rows(filters: Filters):
    stores, groups, agents = queries.store_names(), queries.group_names(), queries.agent_names()
    yield _line(TICKETS)
    yield from _chunks([row.ticket_id + 1000, row.created_at.isoformat(timespec="seconds") + "Z",
                        row.created_day.isoformat(), row.solved_day.isoformat() if row.solved_day else None,
                        row.status, row.channel, stores.get(row.store_id, row.store_id),
                        groups.get(row.group_id, row.group_id), agents.get(row.assignee_id, row.assignee_id),
                        row.topic, row.tags.replace(",", " "), _minutes(row.frt_seconds),
                        _minutes(row.resolution_seconds), row.replies, row.reopens, row.sla_first,
                        row.sla_resolution, row.csat_rating] for row in queries.ticket_rows(filters))


def csv_lines(name: str, filters: Filters, *, viewer=None):
    """The CSV of report `name` (or "tickets") line by line; raises NotFound / PermissionDenied first."""
    if name != "tickets" and name not in service.REPORTS:
        raise NotFound(_("There is no such report."))
    if viewer is not None and not service.may_see(viewer, "dashboard" if name == "tickets" else name):
        raise PermissionDenied(_("You do not have permission to do that."))
    filters = scoped(filters, viewer)
    if name == "tickets":
        return _ticket_rows(filters)
    if name == "self-service":
        return _self_service_rows(filters)
    if name == "agents":
        return _agent_rows(filters)
    return _daily_rows(filters, DAILY[name])


def filename(name: str, filters: Filters) -> str:
    return f"comptoir-{name}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
