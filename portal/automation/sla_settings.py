"""Managers' SLA settings: business-hours calendars and SLA policies, validated before anything is saved,
and the shipped default policy (the 4 h / 24 h / 48 h aging targets)."""
import re
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import select

from portal.automation import sla
from portal.automation.business_time import parse_hours
from portal.automation.models import BusinessCalendar, SlaPolicy
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inputs import parse_id
from portal.jobs import services as jobs
from portal.tickets.models import Channel, Priority, Status, Ticket

DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*(?:m|min)?)?\s*$", re.I)
RECOMPUTE_BATCH = 500


def parse_duration(text: str, field: str) -> int | None:
    """"4h", "1h30", "90m", "2d", "45" (minutes) -> minutes; "" -> None (no target)."""
    text = (text or "").strip()
    if not text:
        return None
    found = DURATION.match(text.replace("h", "h ").replace("H", "h "))
    if not found or not any(found.groups()):
        raise ValidationError(_("Write a duration such as 4h, 1h30, 90m or 2d."), field=field)
    days, hours, minutes = (int(g) if g else 0 for g in found.groups())
    total = days * 1440 + hours * 60 + minutes
    if not 1 <= total <= 366 * 1440:
        raise ValidationError(_("A target is between 1 minute and a year."), field=field)
    return total


def format_duration(minutes: int | None) -> str:
    if not minutes:
        return ""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return "".join(filter(None, [f"{days}d" if days else "", f"{hours}h" if hours else "",
                                 f"{mins}m" if mins else ""]))


# --- calendars -----------------------------------------------------------------------------------

def get_calendar(calendar_id) -> BusinessCalendar:
    number = parse_id(calendar_id)
    row = db.session.get(BusinessCalendar, number) if number else None
    if row is None:
        raise NotFound(_("We could not find that calendar."))
    return row


def calendars() -> list[BusinessCalendar]:
    return list(db.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name)))


def save_calendar(*, name: str, timezone: str, hours: dict, country: str = "", subdivision: str = "",
                  closed_dates: str = "", store_id=None, group_id=None, is_default=False,
                  calendar: BusinessCalendar | None = None) -> BusinessCalendar:
    """Create or update a calendar; `hours` maps weekday 0-6 to "09:00-12:30, 14:00-18:00" ("" = closed)."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError(_("Give the calendar a name (at most 80 characters)."), field="name")
    try:
        ZoneInfo((timezone or "").strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Choose a time zone such as Europe/Paris."), field="timezone") from None
    cleaned = {}
    for day in range(7):
        text = (hours.get(day) or hours.get(str(day)) or "").strip()
        try:
            parse_hours(text)
        except ValueError as exc:
            raise ValidationError(str(exc), field=f"day{day}") from None
        if text:
            cleaned[str(day)] = text
    country = (country or "").strip().upper()
    subdivision = (subdivision or "").strip().upper()
    if country:
        import holidays

        supported = holidays.list_supported_countries()
        if country not in supported:
            raise ValidationError(_("Unknown country code for public holidays (e.g. FR, BE, CH, CA)."),
                                  field="country")
        if subdivision and subdivision not in supported[country]:
            raise ValidationError(_("Unknown region for this country."), field="subdivision")
    dates = []
    for number, line in enumerate((closed_dates or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            dates.append(date.fromisoformat(line).isoformat())
        except ValueError:
            raise ValidationError(_("Line %(num)d: write a date as YYYY-MM-DD.", num=number),
                                  field="closed_dates") from None
    from portal.orders.models import Store
    from portal.tickets.models import TicketGroup

    if store_id and db.session.get(Store, store_id) is None:
        raise ValidationError(_("Choose a store from the list."), field="store_id")
    if group_id and db.session.get(TicketGroup, group_id) is None:
        raise ValidationError(_("Choose a group from the list."), field="group_id")
    row = calendar or BusinessCalendar()
    row.name, row.timezone, row.hours = name, timezone.strip(), cleaned
    row.country, row.subdivision, row.closed_dates = country or None, subdivision or None, sorted(set(dates))
    row.store_id, row.group_id = store_id or None, group_id or None
    if is_default:
        for other in db.session.scalars(select(BusinessCalendar).where(BusinessCalendar.is_default.is_(True))):
            other.is_default = False
    row.is_default = bool(is_default)
    db.session.add(row)
    db.session.flush()
    schedule_recompute()
    return row


# --- policies ------------------------------------------------------------------------------------

ACTION_TYPES = sla.ESCALATION_TYPES


def get_policy(policy_id) -> SlaPolicy:
    number = parse_id(policy_id)
    row = db.session.get(SlaPolicy, number) if number else None
    if row is None:
        raise NotFound(_("We could not find that SLA policy."))
    return row


def policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def save_policy(*, name: str, first: str = "", next_: str = "", resolution: str = "", priorities=(), channels=(),
                store_ids=(), group_ids=(), calendar_id=None, pause_when_waiting=True, warn_before: str = "1h",
                warn_actions=(), breach_actions=(), breach_tag: str = "", enabled=True, position=None,
                policy: SlaPolicy | None = None) -> SlaPolicy:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError(_("Give the policy a name (at most 80 characters)."), field="name")
    targets = {"first": parse_duration(first, "first"), "next": parse_duration(next_, "next_"),
               "resolution": parse_duration(resolution, "resolution")}
    if not any(targets.values()):
        raise ValidationError(_("Set at least one target."), field="first")
    bad = [p for p in priorities if p not in Priority._value2member_map_]
    bad += [c for c in channels if c not in Channel._value2member_map_]
    bad += [a for a in list(warn_actions) + list(breach_actions) if a not in ACTION_TYPES]
    if bad:
        raise ValidationError(_("Choose from the lists."), field="priorities")
    if "add_tag" in breach_actions and not (breach_tag or "").strip():
        raise ValidationError(_("Name the tag to add."), field="breach_tag")
    if calendar_id:
        get_calendar(calendar_id)
    row = policy or SlaPolicy()
    row.name, row.enabled = name, bool(enabled)
    row.first_response_minutes, row.next_response_minutes = targets["first"], targets["next"]
    row.resolution_minutes = targets["resolution"]
    row.priorities, row.channels = list(priorities), list(channels)
    row.store_ids, row.group_ids = [int(s) for s in store_ids], [int(g) for g in group_ids]
    row.calendar_id, row.pause_when_waiting = calendar_id or None, bool(pause_when_waiting)
    row.warn_before_minutes = parse_duration(warn_before, "warn_before") or 0
    row.warn_actions = [{"type": a} for a in warn_actions]
    row.breach_actions = [{"type": a, **({"value": breach_tag.strip()} if a == "add_tag" else {})}
                          for a in breach_actions]
    if position is not None:
        row.position = position
    elif policy is None:
        row.position = (max((p.position for p in policies()), default=-1)) + 1
    db.session.add(row)
    db.session.flush()
    schedule_recompute()
    return row


def move_policy(policy: SlaPolicy, step: int) -> None:
    rows = policies()
    index = rows.index(policy)
    other = index + step
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        row.position = position
    db.session.flush()
    schedule_recompute()


def delete_policy(policy: SlaPolicy) -> None:
    db.session.delete(policy)
    db.session.flush()
    schedule_recompute()


def schedule_recompute() -> None:
    """Open tickets get due times under the new settings, by the worker, in batches."""
    sla.forget_policies()
    jobs.enqueue("sla.recompute_open", after_id=0)


@jobs.task("sla.recompute_open", max_attempts=3)
def recompute_open(after_id: int = 0) -> None:
    rows = list(db.session.scalars(select(Ticket).where(
        Ticket.id > after_id, Ticket.status.in_((Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)))
        .order_by(Ticket.id).limit(RECOMPUTE_BATCH)))
    cached = sla._policies()
    for ticket in rows:
        sla.recompute(ticket, policies=cached)
    if len(rows) == RECOMPUTE_BATCH:
        jobs.enqueue("sla.recompute_open", after_id=rows[-1].id)
    db.session.commit()


def install_defaults() -> bool:
    """The aging targets as a default policy (first response 4 h, next response 24 h, resolution 48 h,
    business time of the default calendar): created once, then the manager's to edit. True if created."""
    if db.session.scalar(select(SlaPolicy.id).limit(1)) is not None:
        return False
    save_policy(name=_("Standard"), first="4h", next_="24h", resolution="48h",
                warn_actions=["notify_assignee"], breach_actions=["notify_group", "raise_priority"])
    return True
