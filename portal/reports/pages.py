"""What each report page shows of its figures: the headline cards, the charts (SVG with their table), in
the reader's language. Pure presentation over service.figures(); no queries here."""
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from portal.reports import charts, formatting

METRIC_LABELS = {
    "created": _l("Tickets created"), "solved": _l("Tickets solved"), "backlog": _l("Unsolved at the end"),
    "replies": _l("Agent replies"), "frt_median": _l("First response, median"),
    "frt_p90": _l("First response, 90th percentile"), "frt_count": _l("First responses"),
    "resolution_median": _l("Resolution, median"), "resolution_p90": _l("Resolution, 90th percentile"),
    "resolution_count": _l("Resolutions"), "replies_per_solve": _l("Replies per solved ticket"),
    "one_touch_rate": _l("Solved in one reply"), "reopen_rate": _l("Reopened"),
    "sla_first_rate": _l("First response target met"), "sla_resolution_rate": _l("Resolution target met"),
    "sla_first_met": _l("First response targets met"), "sla_first_breached": _l("First response breaches"),
    "sla_resolution_met": _l("Resolution targets met"), "sla_resolution_breached": _l("Resolution breaches"),
    "sla_next_breached": _l("Next response breaches"), "sla_breached_tickets": _l("Tickets with a breach"),
    "csat_score": _l("Satisfaction (good ratings)"), "csat_answered": _l("Survey answers"),
    "csat_good": _l("Good"), "csat_okay": _l("Okay"), "csat_bad": _l("Bad"),
    "wismo_answered": _l("Order questions answered automatically"),
    "wismo_replied": _l("…who wrote back anyway"), "wismo_routed": _l("Order questions sent to a person"),
    "searches": _l("Help-center searches"), "searches_empty": _l("Searches with no result"),
    "empty_rate": _l("Share with no result"), "search_clicks": _l("Searches followed by a click"),
    "article_views": _l("Article views"), "votes_helpful": _l("Helpful votes"),
    "votes_unhelpful": _l("Not helpful votes"), "helpful_rate": _l("Helpful share"),
    "suggestions_opened": _l("Visitors who opened a suggested article"),
    "deflected": _l("…who then sent no request"), "deflection_rate": _l("Deflection rate"),
    "forum_questions": _l("Community questions"), "forum_accepted": _l("Questions with an accepted answer"),
    "forum_community": _l("…answered by a member"), "accepted_rate": _l("Accepted answer rate"),
}
CARDS = {
    "dashboard": ("created", "solved", "backlog", "frt_median", "resolution_median", "one_touch_rate", "reopen_rate",
                  "sla_first_rate", "csat_score"),
    "volume": ("created", "solved", "backlog", "replies"),
    "times": ("frt_median", "frt_p90", "resolution_median", "resolution_p90", "replies_per_solve", "one_touch_rate",
              "reopen_rate"),
    "sla": ("sla_first_rate", "sla_resolution_rate", "sla_first_breached", "sla_resolution_breached",
            "sla_next_breached", "sla_breached_tickets"),
    "csat": ("csat_score", "csat_answered", "csat_good", "csat_okay", "csat_bad"),
    "agents": ("replies", "solved", "frt_median", "csat_score"),
    "self-service": ("searches", "searches_empty", "empty_rate", "article_views", "helpful_rate",
                     "suggestions_opened", "deflected", "deflection_rate", "wismo_answered", "wismo_replied",
                     "wismo_routed", "forum_questions", "forum_accepted", "forum_community"),
}
CHARTS = {  # report -> [(title, metrics)]
    "dashboard": [(_l("Tickets created and solved"), ("created", "solved")),
                  (_l("Unsolved tickets over time"), ("backlog",))],
    "volume": [(_l("Tickets created and solved"), ("created", "solved")),
               (_l("Unsolved tickets over time"), ("backlog",))],
    "times": [(_l("First response time"), ("frt_median", "frt_p90")),
              (_l("Resolution time"), ("resolution_median", "resolution_p90"))],
    "sla": [(_l("Targets met"), ("sla_first_rate", "sla_resolution_rate")),
            (_l("Tickets with a breach"), ("sla_breached_tickets",))],
    "csat": [(_l("Satisfaction"), ("csat_score",)), (_l("Survey answers"), ("csat_answered",))],
    "agents": [],
    "self-service": [(_l("Searches"), ("searches", "searches_empty")), (_l("Article views"), ("article_views",)),
                     (_l("Deflected requests"), ("deflected",))],
}
BREAKDOWN_TITLES = {"channel": _l("Tickets per channel"), "store": _l("Tickets per store"),
                    "topic": _l("Tickets per topic"), "group": _l("Tickets per group"), "tag": _l("Most used tags")}


def cards(name: str, data: dict) -> list[dict]:
    out = []
    for metric in CARDS[name]:
        figure = data["summary"][metric]
        out.append({"metric": metric, "label": METRIC_LABELS[metric],
                    "value": formatting.value(metric, figure["value"]),
                    "previous": formatting.value(metric, figure["previous"]),
                    "change": formatting.change(metric, figure)})
    return out


def point_label(point: dict, unit: str) -> str:
    from datetime import date

    start = date.fromisoformat(point["start"])
    return format_date(start, "MMM y") if unit == "month" else format_date(start, "d MMM")


def _chart(title, metrics, points, unit):
    labels = [point_label(p, unit) for p in points]
    durations = all(m in formatting.DURATIONS for m in metrics)
    rates = all(m in formatting.RATES for m in metrics)
    series = []
    for metric in metrics:
        values = [p.get(metric) for p in points]
        if durations:  # plotted in hours, read as durations
            values = [None if v is None else v / 3600 for v in values]
            series.append((str(METRIC_LABELS[metric]), values, lambda h: formatting.duration(round(h * 3600))))
        else:
            series.append((str(METRIC_LABELS[metric]), values, lambda v, m=metric: formatting.value(m, v)))
    axis = (lambda h: f"{h:g} h") if durations else (lambda v: f"{v:g} %") if rates else (lambda v: f"{v:g}")
    rows = [{"label": label, "start": p["start"], "end": p["end"],
             "cells": [formatting.value(m, p.get(m)) for m in metrics]} for label, p in zip(labels, points)]
    svg = charts.line_chart(labels, series, title=str(title), axis=axis, integers=not (durations or rates))
    return {"title": str(title), "svg": svg,
            "legend": charts.legend(series), "columns": [METRIC_LABELS[m] for m in metrics], "rows": rows}


def chart_list(name: str, data: dict) -> list[dict]:
    return [_chart(title, metrics, data["series"], data["granularity"]) for title, metrics in CHARTS[name]]


def breakdown_charts(data: dict) -> list[dict]:
    out = []
    for dimension, items in data.get("breakdowns", {}).items():
        if not items:
            continue
        title = str(BREAKDOWN_TITLES[dimension])
        out.append({"dimension": dimension, "title": title, "entries": items,
                    "svg": charts.bar_chart([(item["label"], item["created"]) for item in items], title=title,
                                            fmt=formatting.number)})
    return out
