"""What a report is about: a period of local days and optional store, channel, group, agent and tag.

Read from any input (query string, CLI options, a future API) by `parse_filters`, which never raises: a
value it cannot use is dropped with a message saying so, and the defaults apply (the last 30 days).
"""
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.inputs import parse_id
from portal.models_base import utcnow

PERIODS = {"7d": _l("Last 7 days"), "30d": _l("Last 30 days"), "90d": _l("Last 90 days"),
           "365d": _l("Last 365 days"), "last-week": _l("Last week"), "last-month": _l("Last month"),
           "custom": _l("Custom dates")}
DEFAULT_PERIOD = "30d"
MAX_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)
DIMENSIONS = ("store", "channel", "group", "agent", "tag")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    period: str = DEFAULT_PERIOD
    store: int | None = None
    channel: str | None = None
    group: int | None = None
    agent: int | None = None
    tag: str | None = None
    # The stores a limited team member sees (None: every store): not a filter they chose, so not in active().
    stores: tuple[int, ...] | None = None
    messages: tuple = field(default=(), compare=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """The same filters over the period of the same length just before."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1),
                       period="custom")

    @property
    def whole_slices(self) -> bool:
        """True when the rollups hold these figures: no store limit, or one store chosen within it."""
        return self.stores is None or self.store is not None

    def active(self) -> dict:
        """The dimensions that narrow the tickets: {"store": 2, "tag": "vip"}."""
        return {name: getattr(self, name) for name in DIMENSIONS if getattr(self, name) is not None}

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "period": self.period,
                **{name: getattr(self, name) for name in DIMENSIONS}}

    def query_args(self) -> dict:
        """The filters as query-string arguments (links, the CSV export)."""
        args = {"period": self.period}
        if self.period == "custom":
            args.update({"from": self.start.isoformat(), "to": self.end.isoformat()})
        args.update({name: value for name, value in self.active().items()})
        return args


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["REPORTS_TIMEZONE"])


def local_day(moment: datetime | None, tz: ZoneInfo | None = None) -> date | None:
    """The reporting day (REPORTS_TIMEZONE, or `tz` when a caller converts many) of a naive UTC datetime."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(tz or zone()).date()


def day_start(day: date) -> datetime:
    """Naive UTC start of a local reporting day."""
    return datetime.combine(day, time(0), zone()).astimezone(timezone.utc).replace(tzinfo=None)


def today() -> date:
    return local_day(utcnow())


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10]) if value else None
    except ValueError:
        return None


def period_bounds(period: str, start=None, end=None) -> tuple[date, date, list[str]]:
    """(start, end) of a named period ending today, or of custom dates; messages for what was refused."""
    now, problems = today(), []
    if period == "last-week":
        monday = now - timedelta(days=now.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1), problems
    if period == "last-month":
        first = now.replace(day=1)
        last = first - timedelta(days=1)
        return last.replace(day=1), last, problems
    if period == "custom":
        begin, finish = _date(start), _date(end)
        if begin is None or finish is None:
            problems.append(_("Enter both dates as YYYY-MM-DD; showing the last 30 days."))
        elif finish < begin:
            problems.append(_("The end date is before the start date; showing the last 30 days."))
        elif begin < EARLIEST or finish > now + timedelta(days=1):
            problems.append(_("Choose dates between 2000 and today; showing the last 30 days."))
        elif (finish - begin).days + 1 > MAX_DAYS:
            problems.append(_("Choose at most %(num)d days; showing the last 30 days.", num=MAX_DAYS))
        else:
            return begin, finish, problems
        period = DEFAULT_PERIOD
    days = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}.get(period, 30)
    return now - timedelta(days=days - 1), now, problems


def parse_filters(args, *, viewer=None) -> Filters:
    """Filters from a mapping of strings (request.args, CLI options). Unknown or malformed values are
    dropped with a message in `.messages`; an agent without "reports.all" is limited to their own figures."""
    problems = []
    period, start, end = _period(args, problems)
    values = _dimensions(args, problems)
    return scoped(Filters(start=start, end=end, period=period, messages=tuple(problems), **values), viewer)


def _period(args, problems: list) -> tuple[str, date, date]:
    period = str(args.get("period") or "")
    if period and period not in PERIODS:
        problems.append(_("Unknown period; showing the last 30 days."))
        period = DEFAULT_PERIOD
    if not period:
        period = "custom" if args.get("from") or args.get("to") else DEFAULT_PERIOD
    start, end, refused = period_bounds(period, args.get("from"), args.get("to"))
    problems += refused
    return (DEFAULT_PERIOD if refused else period), start, end


def _dimensions(args, problems: list) -> dict:
    """The store, group and agent ids that exist, a known channel, a well-formed tag."""
    from portal.reports import queries

    values = {}
    for name, known in (("store", queries.store_names), ("group", queries.group_names),
                        ("agent", queries.agent_names)):
        raw = args.get(name)
        if raw in (None, ""):
            continue
        number = parse_id(raw)
        if number is None or number not in known():
            problems.append(str(UNKNOWN[name]))
        else:
            values[name] = number
    channel = args.get("channel")
    if channel and channel in queries.channel_names():
        values["channel"] = channel
    elif channel:
        problems.append(str(UNKNOWN["channel"]))
    tag = " ".join(str(args.get("tag") or "").split()).lower()
    if tag and len(tag) <= 40 and "," not in tag:
        values["tag"] = tag
    elif tag:
        problems.append(_("A tag has at most 40 characters and no comma; showing all tags."))
    return values


def scoped(filters: Filters, viewer) -> Filters:
    """An agent who may not see everyone's figures sees their own only; a team member limited to some stores
    sees those stores' tickets only (another store is dropped with the unknown-store message)."""
    from portal.permissions import can, store_ids

    if viewer is None:
        return filters
    limit = store_ids(viewer)
    if limit is not None:
        if filters.store is not None and filters.store not in limit:
            filters = replace(filters, store=None, messages=(*filters.messages, str(UNKNOWN["store"])))
        only = next(iter(limit)) if len(limit) == 1 else None
        # One store is its rollup slice; several are read from the facts.
        filters = replace(filters, stores=tuple(sorted(limit)), store=filters.store or only)
    return filters if can(viewer, "reports.all") else replace(filters, agent=viewer.id)


def store_choices(viewer) -> dict:
    """{id: name} of the stores `viewer` may filter the reports on (theirs when limited), by name."""
    from portal.permissions import store_ids
    from portal.reports import queries

    limit = store_ids(viewer)
    return {key: name for key, name in queries.store_names().items() if limit is None or key in limit}


def for_days(start: date, end: date, **dimensions) -> Filters:
    """Filters over explicit days (the weekly mail, tests, the CLI)."""
    return Filters(start=start, end=end, period="custom", **dimensions)


UNKNOWN = {"store": _l("There is no such store; showing every store."),
           "channel": _l("There is no such channel; showing every channel."),
           "group": _l("There is no such group; showing every group."),
           "agent": _l("There is no such agent; showing every agent.")}


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_segments(start: date, end: date) -> list[tuple[str, date, date]]:
    """[start, end] as ("day", a, b) pieces and one ("month", first month, last month) piece of the whole
    calendar months inside it, so a long period reads monthly rollups."""
    first = start if start.day == 1 else next_month(start)
    last = month_start(end + timedelta(days=1))  # the month after the last whole one
    if first >= last:
        return [("day", start, end)]
    pieces = [("day", start, first - timedelta(days=1))] if start < first else []
    months_end = last - timedelta(days=1)
    pieces.append(("month", first, month_start(months_end)))
    if months_end < end:
        pieces.append(("day", last, end))
    return pieces
