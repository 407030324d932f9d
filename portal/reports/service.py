"""The reports' one entry point: `figures(name, filters, viewer=...)` returns a report as a JSON-ready dict,
for the staff pages, `portal reports show`, the weekly mail, the CSV export and a future REST endpoint.

    figures("volume", parse_filters(request.args, viewer=user), viewer=user) -> {
        "report": "volume", "period": {"start": "2026-11-01", "end": "2026-11-30", "days": 30},
        "previous_period": {...}, "timezone": "Europe/Paris", "filters": {...}, "source": "rollups",
        "granularity": "day",
        "summary": {"created": {"value": 120, "previous": 100, "change": 20}, "frt_median": {...}, ...},
        "series": [{"start": "2026-11-01", "end": "2026-11-01", "created": 4, "backlog": 51, ...}, ...],
        "breakdowns": {"channel": [{"key": "email", "label": "Email", "created": 50, ...}], ...}}

Durations are whole seconds of business time, rates are percentages with one decimal (None when there is
nothing to divide), days are local days of REPORTS_TIMEZONE. Every ticket report's summary holds every
figure; only "times" has the response times (frt_*, resolution_*) in each point of its series too. Raises NotFound for an unknown report and
PermissionDenied when the viewer may not see it; agents without "reports.all" get their own figures.
"""
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import NotFound, PermissionDenied
from portal.permissions import can
from portal.reports import queries, self_service
from portal.reports.aggregate import NONE_KEY, Measures
from portal.reports.filters import Filters, scoped, zone

REPORTS = {"dashboard": _l("Overview"), "volume": _l("Volume"), "times": _l("Response times"),
           "sla": _l("SLA"), "csat": _l("Satisfaction"), "agents": _l("Agents"),
           "self-service": _l("Self-service")}
MANAGERS_ONLY = ("self-service",)
BREAKDOWNS = ("channel", "store", "topic", "group", "tag")
# Where each report's response times go: in its series too ("times"), else in its summary only.
DURATIONS = {"times": "series"}
TOP_TAGS = 10


def names(viewer=None) -> list[str]:
    """The reports `viewer` may open, in menu order."""
    return [name for name in REPORTS if viewer is None or may_see(viewer, name)]


def may_see(viewer, name: str) -> bool:
    return can(viewer, "reports.all") if name in MANAGERS_ONLY else can(viewer, "reports.view")


def figures(name: str, filters: Filters, *, viewer=None) -> dict:
    """The report `name` for `filters`, as plain data (see the module docstring). `viewer` None means a
    trusted caller (CLI, worker)."""
    if name not in REPORTS:
        raise NotFound(_("There is no such report."))
    if viewer is not None and not may_see(viewer, name):
        raise PermissionDenied(_("You do not have permission to do that."))
    filters = scoped(filters, viewer)
    data = self_service_figures(filters) if name == "self-service" else \
        ticket_figures(filters, durations=DURATIONS.get(name, "summary"))
    data["report"] = name
    if name == "volume":
        data["breakdowns"] = breakdown_figures(filters)
    elif name == "csat":
        data["comments"] = comment_figures(filters)
    elif name == "agents":
        data["agents"] = agent_figures(filters)
    return data


# --- numbers from measures -----------------------------------------------------------------------

def rate(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def summary_of(m: Measures, backlog: int | None = None) -> dict:
    """Every ticket figure of one slice of time."""
    answered = m.csat_good + m.csat_okay + m.csat_bad
    return {
        "created": m.created, "solved": m.solved, "backlog": backlog, "replies": m.replies,
        "frt_median": m.frt.percentile(50), "frt_p90": m.frt.percentile(90), "frt_count": m.frt.count,
        "resolution_median": m.resolution.percentile(50), "resolution_p90": m.resolution.percentile(90),
        "resolution_count": m.resolution.count,
        "replies_per_solve": round(m.solved_replies / m.solved, 2) if m.solved else None,
        "one_touch": m.one_touch, "one_touch_rate": rate(m.one_touch, m.solved),
        "reopened": m.reopened, "reopen_rate": rate(m.reopened, m.solved),
        "sla_first_met": m.sla_first_met, "sla_first_breached": m.sla_first_breached,
        "sla_first_rate": rate(m.sla_first_met, m.sla_first_met + m.sla_first_breached),
        "sla_resolution_met": m.sla_resolution_met, "sla_resolution_breached": m.sla_resolution_breached,
        "sla_resolution_rate": rate(m.sla_resolution_met, m.sla_resolution_met + m.sla_resolution_breached),
        "sla_next_breached": m.sla_next_breached, "sla_breached_tickets": m.sla_breached,
        "csat_good": m.csat_good, "csat_okay": m.csat_okay, "csat_bad": m.csat_bad, "csat_answered": answered,
        "csat_score": rate(m.csat_good, answered),
        "wismo_answered": m.wismo_answered, "wismo_replied": m.wismo_replied, "wismo_routed": m.wismo_routed,
    }


def compare(current: dict, previous: dict) -> dict:
    """{metric: {"value", "previous", "change"}}; change is the difference (None when one is missing)."""
    out = {}
    for key, value in current.items():
        before = previous.get(key)
        change = round(value - before, 2) if isinstance(value, (int, float)) and isinstance(before, (int, float)) \
            else None
        out[key] = {"value": value, "previous": before, "change": change}
    return out


def granularity(days: int) -> str:
    """Points of the series: days up to three months, weeks up to six, then months."""
    return "day" if days <= 92 else "week" if days <= 184 else "month"


def bucket_start(day, unit: str):
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _total(daily: dict) -> Measures:
    total = Measures()
    for measures in daily.values():
        total.merge(measures)
    return total


def series_of(filters: Filters, daily: dict, backlog_start: int, make=summary_of, durations_by=None) -> list[dict]:
    """One point per day, week or month of the period, each with its figures and the backlog at its end
    (`durations_by`: the histograms of each point, keyed by the first day of its day, week or month)."""
    unit, points, backlog = granularity(filters.days), [], backlog_start
    day, current, acc = filters.start, None, None
    while day <= filters.end:
        start = bucket_start(day, unit)
        if start != current:
            if acc is not None:
                points.append(_point(current_start, day - timedelta(days=1), acc, backlog, make))
            current, current_start, acc = start, day, Measures()
            if durations_by and start in durations_by:
                acc.merge(durations_by[start])
        measures = daily.get(day)
        if measures is not None:
            acc.merge(measures)
            backlog += measures.created - measures.solved
        day += timedelta(days=1)
    if acc is not None:
        points.append(_point(current_start, filters.end, acc, backlog, make))
    return points


def _point(start, end, measures, backlog, make) -> dict:
    return {"start": start.isoformat(), "end": end.isoformat(), **make(measures, backlog)}


def _period(filters: Filters) -> dict:
    return {"start": filters.start.isoformat(), "end": filters.end.isoformat(), "days": filters.days}


# --- ticket reports ------------------------------------------------------------------------------

def ticket_figures(filters: Filters, *, durations: str = "summary") -> dict:
    """Summary with the comparison, and the series, of the tickets within the filters. `durations`:
    "series" puts the response times in each point of the series too, "summary" in the summary only."""
    previous = filters.previous()
    before = queries.backlog_before(filters, previous.start)
    previous_daily, daily = queries.daily(previous), queries.daily(filters)
    previous_total, total = _total(previous_daily), _total(daily)
    durations_by = queries.histograms_by(filters, granularity(filters.days)) if durations == "series" else None
    for measures in (durations_by or {}).values():
        total.merge(measures)
    if durations == "summary":
        total.merge(queries.histograms(filters))
    previous_total.merge(queries.histograms(previous))
    backlog_start = before + previous_total.created - previous_total.solved
    backlog_end = backlog_start + total.created - total.solved
    make = summary_of if durations == "series" else _counts_only
    return {"period": _period(filters), "previous_period": _period(previous), "timezone": zone().key,
            "filters": filters.as_dict(), "messages": list(filters.messages), "source": queries.source(filters),
            "granularity": granularity(filters.days), "backlog_start": backlog_start,
            "summary": compare(summary_of(total, backlog_end), summary_of(previous_total, backlog_start)),
            "series": series_of(filters, daily, backlog_start, make, durations_by)}


def _counts_only(m: Measures, backlog: int | None = None) -> dict:
    """A point of the series without the duration figures (read only where they are charted)."""
    return {key: value for key, value in summary_of(m, backlog).items() if key not in DURATION_KEYS}


DURATION_KEYS = ("frt_median", "frt_p90", "frt_count", "resolution_median", "resolution_p90", "resolution_count")


def _labels(dimension: str) -> dict:
    if dimension == "store":
        return queries.store_names()
    if dimension == "group":
        return queries.group_names()
    if dimension == "channel":
        return queries.channel_names()
    if dimension == "topic":
        return queries.topic_names()
    if dimension == "agent":
        return queries.agent_names()
    return {}


def label_for(dimension: str, key: str, labels: dict) -> str:
    if key == NONE_KEY:
        return {"store": _("No store"), "group": _("No group"), "agent": _("Unassigned"),
                "topic": _("No topic")}.get(dimension, _("None"))
    for candidate in (key, int(key) if key.isdigit() else None):
        if candidate in labels:
            return str(labels[candidate])
    return key if dimension in ("tag", "channel") else f"#{key}"


def breakdown_figures(filters: Filters) -> dict:
    """Tickets created and solved per channel, store, topic, group and (the top) tags."""
    out = {}
    for dimension, rows in queries.breakdowns(filters, BREAKDOWNS).items():
        labels, created = _labels(dimension), sum(m.created for m in rows.values())
        items = [{"key": key, "label": label_for(dimension, key, labels), "created": m.created, "solved": m.solved,
                  "share": rate(m.created, created)} for key, m in rows.items() if m.created or m.solved]
        items.sort(key=lambda item: (-item["created"], item["label"].lower()))
        out[dimension] = items[:TOP_TAGS] if dimension == "tag" else items
    return out


def agent_figures(filters: Filters) -> list[dict]:
    """Per agent: replies sent, tickets solved (as assignee), median first response (of the tickets they
    answered first) and CSAT (of the surveys about them)."""
    rows = queries.breakdowns(filters, ("agent",))["agent"]
    labels = queries.agent_names()
    out = []
    for key, m in rows.items():
        if key == NONE_KEY:
            continue
        figures = summary_of(m)
        out.append({"agent_id": int(key), "name": label_for("agent", key, labels), "replies": m.replies,
                    "solved": m.solved, "created": m.created, "frt_median": figures["frt_median"],
                    "frt_count": figures["frt_count"], "csat_score": figures["csat_score"],
                    "csat_answered": figures["csat_answered"], "one_touch_rate": figures["one_touch_rate"]})
    out.sort(key=lambda row: row["name"].lower())
    return out


def comment_figures(filters: Filters) -> list[dict]:
    labels = queries.agent_names()
    comments = queries.latest_comments(filters)
    for comment in comments:
        comment["agent"] = str(labels[comment["agent_id"]]) if comment["agent_id"] in labels else None
    return comments


# --- self-service --------------------------------------------------------------------------------

def _self_summary(counts: dict, tickets: Measures) -> dict:
    votes = counts["vote_yes"] + counts["vote_no"]
    return {"searches": counts["search"], "searches_empty": counts["search_empty"],
            "empty_rate": rate(counts["search_empty"], counts["search"]), "search_clicks": counts["search_click"],
            "article_views": counts["article_view"], "votes_helpful": counts["vote_yes"],
            "votes_unhelpful": counts["vote_no"], "helpful_rate": rate(counts["vote_yes"], votes),
            "suggestions_opened": counts["deflect_open"], "deflected": counts["deflected"],
            "deflection_rate": rate(counts["deflected"], counts["deflect_open"]),
            "wismo_answered": tickets.wismo_answered, "wismo_replied": tickets.wismo_replied,
            "wismo_routed": tickets.wismo_routed,
            "forum_questions": counts["forum_question"], "forum_accepted": counts["forum_accepted"],
            "forum_community": counts["forum_community"],
            "accepted_rate": rate(counts["forum_accepted"], counts["forum_question"])}


def _articles(start, end) -> list[dict]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.kb.models import Article

    views = self_service.top("article_view", start, end)
    ids = [int(row["key"]) for row in views if row["key"].isdigit()]
    titles = dict(db.session.execute(select(Article.id, Article.title).where(Article.id.in_(ids))).all()) if ids else {}
    votes = self_service.votes_for(ids, start, end)
    return [{"article_id": int(row["key"]), "title": titles.get(int(row["key"]), f"#{row['key']}"),
             "lang": row["lang"], "views": row["count"], **votes.get(int(row["key"]), {"helpful": 0, "unhelpful": 0})}
            for row in views if row["key"].isdigit()]


def self_service_figures(filters: Filters) -> dict:
    """Help-center searches, article views and votes, deflection, WISMO answers and community answers.
    Store, channel, group, agent and tag do not apply (the help center does not know them)."""
    previous = filters.previous()
    # The tickets of the viewer's stores only, when they are limited to some.
    unfiltered, unfiltered_previous = (Filters(start=f.start, end=f.end, period=f.period, stores=f.stores)
                                       for f in (filters, previous))
    tickets, tickets_before = (_total(queries.daily(f)) for f in (unfiltered, unfiltered_previous))
    current = _self_summary(self_service.totals(filters.start, filters.end), tickets)
    before = _self_summary(self_service.totals(previous.start, previous.end), tickets_before)
    return {"period": _period(filters), "previous_period": _period(previous), "timezone": zone().key,
            "filters": unfiltered.as_dict(), "messages": list(filters.messages), "source": "counters",
            "granularity": granularity(filters.days), "ignored_filters": sorted(filters.active()),
            "summary": compare(current, before), "series": self_service_series(filters),
            "top_queries": self_service.top("search", filters.start, filters.end),
            "top_empty_queries": self_service.top("search_empty", filters.start, filters.end),
            "languages": {"searches": self_service.by_language("search", filters.start, filters.end),
                          "searches_empty": self_service.by_language("search_empty", filters.start, filters.end)},
            "top_articles": _articles(filters.start, filters.end)}


def self_service_series(filters: Filters) -> list[dict]:
    unit = granularity(filters.days)
    counts, points, day = self_service.series(filters.start, filters.end, unit), [], filters.start
    while day <= filters.end:
        start = bucket_start(day, unit)
        following = start + timedelta(days=1) if unit == "day" else start + timedelta(days=7) if unit == "week" \
            else (start + timedelta(days=32)).replace(day=1)
        end = min(following - timedelta(days=1), filters.end)
        found = counts.get(start, {})
        points.append({"start": day.isoformat(), "end": end.isoformat(), "searches": found.get("search", 0),
                       "searches_empty": found.get("search_empty", 0), "article_views": found.get("article_view", 0),
                       "deflected": found.get("deflected", 0)})
        day = end + timedelta(days=1)
    return points
