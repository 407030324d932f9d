"""How report figures read on pages and in mail: durations, percentages, changes, in the reader's language."""
from flask_babel import format_decimal
from flask_babel import gettext as _

from portal.automation.sla import duration_text

DURATIONS = {"frt_median", "frt_p90", "resolution_median", "resolution_p90"}
RATES = {"one_touch_rate", "reopen_rate", "sla_first_rate", "sla_resolution_rate", "csat_score", "empty_rate",
         "helpful_rate", "deflection_rate", "accepted_rate", "share"}
# Figures where less is better: their change reads as an improvement when it goes down.
LOWER_IS_BETTER = DURATIONS | {"backlog", "reopen_rate", "sla_first_breached", "sla_resolution_breached",
                               "sla_next_breached", "sla_breached_tickets", "csat_bad", "searches_empty", "empty_rate",
                               "replies_per_solve", "wismo_replied"}


def duration(seconds) -> str:
    """3725 -> "1 h 02"; under a minute in seconds; None -> an em dash."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("%(num)d s", num=seconds)
    return duration_text(int(round(seconds / 60)))


def percent(value) -> str:
    return "—" if value is None else f"{format_decimal(value, format='#,##0.#')} %"


def number(value) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##")


def value(metric: str, raw) -> str:
    """A figure as text, by what it measures."""
    if metric in DURATIONS:
        return duration(raw)
    if metric in RATES:
        return percent(raw)
    return number(raw)


def change(metric: str, figure: dict) -> dict | None:
    """{"text": "+12", "direction": "up|down", "better": bool|None} for a summary entry, None if unknown."""
    delta = figure.get("change")
    if delta is None:
        return None
    if delta == 0:
        return {"text": _("no change"), "direction": "same", "better": None}
    if metric in DURATIONS:
        text = ("+" if delta > 0 else "−") + duration(abs(delta))
    elif metric in RATES:
        text = ("+" if delta > 0 else "−") + _("%(num)s pts", num=format_decimal(abs(delta), format="#,##0.#"))
    else:
        text = ("+" if delta > 0 else "−") + number(abs(delta))
    better = (delta < 0) if metric in LOWER_IS_BETTER else (delta > 0)
    return {"text": text, "direction": "up" if delta > 0 else "down", "better": better}


def iso_day(text):
    """"2026-11-30" -> a date (templates format it in the reader's language)."""
    from datetime import date

    return date.fromisoformat(text) if isinstance(text, str) else text


def init_app(app):
    app.jinja_env.filters.update(report_duration=duration, report_percent=percent, report_number=number,
                                 report_day=iso_day)
    app.jinja_env.globals.update(report_value=value, report_change=change)
