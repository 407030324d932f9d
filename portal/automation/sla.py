"""SLA: which policy a ticket falls under, its due times in business time, pauses, warnings and breaches.

Due times are computed when the ticket changes (the ticket_changed signal, in the same transaction) and
kept only while live: a met or abandoned target is cleared and its outcome noted in `sla_state`, so the
worker's sweep reads an index holding only tickets that can still warn or breach.
"""
import time
from datetime import date, timedelta
from types import SimpleNamespace

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.automation.business_time import BusinessCalendar, parse_hours, public_holidays
from portal.automation.models import BusinessCalendar as CalendarRow
from portal.automation.models import SlaPolicy
from portal.extensions import db
from portal.jobs import services as jobs
from portal.models_base import utcnow
from portal.signals import ticket_changed
from portal.tickets.models import Priority, Status, Ticket

TARGETS = ("first", "next", "resolution")
DUE_COLUMN = {"first": "first_reply_due_at", "next": "next_response_due_at", "resolution": "resolution_due_at"}
TARGET_LABELS = {"first": _l("first response"), "next": _l("next response"), "resolution": _l("resolution")}
WAITING = (Status.PENDING, Status.ON_HOLD)
DONE = (Status.SOLVED, Status.CLOSED)
ESCALATION_TYPES = ("notify_assignee", "notify_group", "notify_managers", "raise_priority", "unassign", "add_tag")
SWEEP_BATCH = 500
_calendars = {}  # (row id, version key) -> BusinessCalendar


# --- calendars and policies ----------------------------------------------------------------------

def to_calendar(row: CalendarRow | None) -> BusinessCalendar:
    """A calendar row as arithmetic (24/7 when there is none); public holidays for a few years around now."""
    if row is None:
        return BusinessCalendar.twenty_four_seven()
    key = (row.id, row.timezone, repr(row.hours), row.country, row.subdivision, repr(row.closed_dates))
    cached = _calendars.get(key)
    if cached is not None:
        return cached
    weekly = {int(day): parse_hours(text) for day, text in (row.hours or {}).items() if text}
    year = utcnow().year
    closed = public_holidays(row.country, row.subdivision, range(year - 1, year + 3))
    closed |= {date.fromisoformat(d) for d in (row.closed_dates or [])}
    calendar = BusinessCalendar(tz=row.timezone, weekly=weekly, holidays=closed)
    _calendars[key] = calendar
    return calendar


def calendar_row_for(ticket: Ticket, policy: SlaPolicy | None = None):
    """The policy's calendar, else the store's, else the group's, else the default one (None: 24/7), as a
    snapshot of the row (see _calendar_rows)."""
    rows = _calendar_rows()
    if policy is not None and policy.calendar_id:
        return next((row for row in rows if row.id == policy.calendar_id), None)
    for column, value in (("store_id", ticket.store_id), ("group_id", ticket.group_id)):
        if value:
            row = next((row for row in rows if getattr(row, column) == value), None)
            if row is not None:
                return row
    return next((row for row in rows if row.is_default), None)


def calendar_for(ticket: Ticket, policy: SlaPolicy | None = None) -> BusinessCalendar:
    return to_calendar(calendar_row_for(ticket, policy))


POLICY_FIELDS = ("id", "name", "priorities", "channels", "store_ids", "group_ids", "first_response_minutes",
                 "next_response_minutes", "resolution_minutes", "calendar_id", "pause_when_waiting",
                 "warn_before_minutes", "warn_actions", "breach_actions")
POLICY_CACHE_SECONDS = 10  # another process's change to the policies applies within this long
_policy_cache = {"at": None, "rows": None}


def _policies() -> list:
    """The enabled policies in order, as plain snapshots, read at most every POLICY_CACHE_SECONDS per
    process (every ticket event asks; saving a policy here forgets them at once)."""
    now = time.monotonic()
    if _policy_cache["rows"] is None or now - _policy_cache["at"] > POLICY_CACHE_SECONDS:
        rows = db.session.scalars(select(SlaPolicy).where(SlaPolicy.enabled.is_(True))
                                  .order_by(SlaPolicy.position, SlaPolicy.id))
        _policy_cache.update(at=now, rows=[SimpleNamespace(**{f: getattr(r, f) for f in POLICY_FIELDS})
                                           for r in rows])
    return _policy_cache["rows"]


CALENDAR_FIELDS = ("id", "timezone", "hours", "country", "subdivision", "closed_dates", "store_id", "group_id",
                   "is_default")
_calendar_cache = {"at": None, "rows": None}


def _calendar_rows() -> list:
    """Every calendar as a plain snapshot in id order, read like the policies (at most every
    POLICY_CACHE_SECONDS per process): each ticket event needs one, and a query each was most of its cost."""
    now = time.monotonic()
    if _calendar_cache["rows"] is None or now - _calendar_cache["at"] > POLICY_CACHE_SECONDS:
        rows = db.session.scalars(select(CalendarRow).order_by(CalendarRow.id))
        _calendar_cache.update(at=now, rows=[SimpleNamespace(**{f: getattr(r, f) for f in CALENDAR_FIELDS})
                                             for r in rows])
    return _calendar_cache["rows"]


def forget_policies() -> None:
    """Forget the policy and calendar snapshots: the next ticket event reads them again."""
    _policy_cache.update(at=None, rows=None)
    _calendar_cache.update(at=None, rows=None)


@event.listens_for(Session, "after_flush")
def _policies_changed(session, _context):
    """Any write of a policy or calendar in this process (a manager's form, a script, a test) forgets the
    snapshots."""
    if any(isinstance(row, (SlaPolicy, CalendarRow)) for row in (*session.new, *session.dirty, *session.deleted)):
        forget_policies()


def matches(policy: SlaPolicy, ticket: Ticket) -> bool:
    return ((not policy.priorities or ticket.priority.value in policy.priorities) and
            (not policy.channels or ticket.channel.value in policy.channels) and
            (not policy.store_ids or ticket.store_id in policy.store_ids) and
            (not policy.group_ids or ticket.group_id in policy.group_ids))


def policy_for(ticket: Ticket, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    return next((p for p in (policies if policies is not None else _policies()) if matches(p, ticket)), None)


# --- due times -----------------------------------------------------------------------------------

def _flags(ticket: Ticket) -> set[str]:
    return set(filter(None, (ticket.sla_state or "").split(",")))


def _set_flags(ticket: Ticket, flags: set[str]) -> None:
    ticket.sla_state = ",".join(sorted(flags))[:40] or None


def _clear(flags: set[str], target: str) -> None:
    flags.discard(f"w:{target}")
    flags.discard(f"b:{target}")


def recompute(ticket: Ticket, *, now=None, policies=None) -> None:
    """Set the ticket's policy and live due times from its current state (idempotent)."""
    now = now or utcnow()
    policy = policy_for(ticket, policies)
    flags = _flags(ticket)
    changed_policy = (policy.id if policy else None) != ticket.sla_policy_id
    ticket.sla_policy_id = policy.id if policy else None
    if policy is None:
        ticket.first_reply_due_at = ticket.next_response_due_at = ticket.resolution_due_at = None
        ticket.sla_resolution_left, ticket.sla_due_at = None, None
        _set_flags(ticket, set())
        return
    calendar = calendar_for(ticket, policy)
    created = ticket.created_at or now
    # First response: live until an agent has answered.
    if ticket.first_replied_at is None and policy.first_response_minutes and ticket.status not in DONE:
        due = calendar.add_minutes(created, policy.first_response_minutes)
        ticket.first_reply_due_at = due.replace(tzinfo=None) if due else None
    else:
        if ticket.first_replied_at is not None and ticket.first_reply_due_at is not None:
            flags.add("met:first" if ticket.first_replied_at <= ticket.first_reply_due_at else "b:first")
        ticket.first_reply_due_at = None
    # Next response: live while the customer wrote last, after a first answer.
    waiting_on_us = (ticket.first_replied_at is not None and ticket.last_customer_message_at is not None and
                     ticket.last_customer_message_at > ticket.first_replied_at and
                     ticket.waiting_since == ticket.last_customer_message_at)
    if waiting_on_us and policy.next_response_minutes and ticket.status not in DONE + WAITING:
        due = calendar.add_minutes(ticket.last_customer_message_at, policy.next_response_minutes)
        if ticket.next_response_due_at is None or changed_policy or (due and due.replace(tzinfo=None) !=
                                                                       ticket.next_response_due_at):
            _clear(flags, "next")
        ticket.next_response_due_at = due.replace(tzinfo=None) if due else None
    else:
        ticket.next_response_due_at = None
        _clear(flags, "next")
    # Resolution: paused while pending/on-hold (when the policy says so), cleared once solved.
    if not policy.resolution_minutes or ticket.status in DONE:
        if ticket.status in DONE and ticket.resolution_due_at is not None:
            flags.add("met:resolution" if (ticket.solved_at or now) <= ticket.resolution_due_at else "b:resolution")
        ticket.resolution_due_at, ticket.sla_resolution_left = None, None
    elif ticket.status in WAITING and policy.pause_when_waiting:
        if ticket.sla_resolution_left is None:
            due = ticket.resolution_due_at or _resolution_due(calendar, created, policy)
            left = calendar.minutes_between(now, due) if due and due > now else 0
            ticket.sla_resolution_left = round(left)
        ticket.resolution_due_at = None
    else:
        if ticket.sla_resolution_left is not None:
            due = calendar.add_minutes(now, ticket.sla_resolution_left)
            ticket.resolution_due_at, ticket.sla_resolution_left = (due.replace(tzinfo=None) if due else None), None
        elif ticket.resolution_due_at is None or changed_policy:
            due = _resolution_due(calendar, created, policy)
            ticket.resolution_due_at = due.replace(tzinfo=None) if due else None
    _set_flags(ticket, flags)
    live = [d for d in (ticket.first_reply_due_at, ticket.next_response_due_at, ticket.resolution_due_at) if d]
    ticket.sla_due_at = min(live) if live else None


def _resolution_due(calendar, created, policy):
    due = calendar.add_minutes(created, policy.resolution_minutes)
    return due.replace(tzinfo=None) if due else None


def describe(ticket: Ticket, now=None) -> dict | None:
    """What the queue shows: {"target", "due", "overdue", "minutes"} for the soonest live target."""
    if ticket.sla_due_at is None:
        return None
    # The target whose due time is the soonest one (the first live one should a row disagree with itself).
    target = next((t for t in TARGETS if getattr(ticket, DUE_COLUMN[t]) == ticket.sla_due_at),
                  next((t for t in TARGETS if getattr(ticket, DUE_COLUMN[t]) is not None), "resolution"))
    return describe_target(ticket, target, now, due=ticket.sla_due_at)


def describe_target(ticket: Ticket, target: str, now=None, *, due=None) -> dict:
    """describe() of one target (its due time, or `due`): minutes left or late, in clock time."""
    due = due or getattr(ticket, DUE_COLUMN[target])
    minutes = round((due - (now or utcnow())).total_seconds() / 60)
    return {"target": target, "label": TARGET_LABELS[target], "due": due, "overdue": minutes < 0,
            "minutes": abs(minutes), "soon": 0 <= minutes <= 60}


def duration_text(minutes: int) -> str:
    """1 h 20, 45 min, 2 d 3 h."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins:02d}" if mins else f"{hours} h"
    return f"{mins} min"


RELEVANT = {"opened", "reply", "status", "priority", "group", "order", "merge", "tags"}


def _on_ticket_changed(ticket, kind=None, **_):
    if kind in RELEVANT and has_app_context() and ticket.id is not None:
        recompute(ticket)


# --- sweep: warnings and breaches ----------------------------------------------------------------

@jobs.task("sla.sweep", max_attempts=3)
def sweep(now=None) -> dict:
    """Warn and escalate tickets whose live targets are near or past; each at most once per target."""
    from portal.tickets.models import Ticket as T

    now = now or utcnow()
    policies = {p.id: p for p in _policies()}
    if not policies:
        return {"warned": 0, "breached": 0}
    horizon = now + timedelta(minutes=max(p.warn_before_minutes or 0 for p in policies.values()))
    done = {"warned": 0, "breached": 0}
    for target in TARGETS:
        column = getattr(T, DUE_COLUMN[target])
        ids = list(db.session.scalars(select(T.id).where(column.is_not(None), column <= horizon)
                                      .order_by(column).limit(SWEEP_BATCH)))
        for ticket in (db.session.get(T, i) for i in ids):
            policy = policies.get(ticket.sla_policy_id)
            due = getattr(ticket, DUE_COLUMN[target])
            if policy is None or due is None:
                continue
            flags = _flags(ticket)
            if due <= now and f"b:{target}" not in flags:
                flags.add(f"b:{target}")
                _set_flags(ticket, flags)
                escalate(ticket, policy.breach_actions or [], target, breached=True)
                done["breached"] += 1
            elif due - timedelta(minutes=policy.warn_before_minutes or 0) <= now and not flags & {
                    f"w:{target}", f"b:{target}"}:
                flags.add(f"w:{target}")
                _set_flags(ticket, flags)
                escalate(ticket, policy.warn_actions or [], target, breached=False)
                done["warned"] += 1
    db.session.commit()
    return done


def escalate(ticket: Ticket, actions: list, target: str, *, breached: bool) -> None:
    """Run a policy's warning or breach actions through tickets.services as the system actor."""
    from portal.accounts.models import Role, User
    from portal.automation.actor import system_actor
    from portal.tickets import notifications
    from portal.tickets import services as tickets

    actor = system_actor()
    label = TARGET_LABELS[target]
    heading = (_l("SLA breached: %(target)s", target=label) if breached else
               _l("SLA due soon: %(target)s", target=label))
    first = notifications._first_message(ticket)
    for action in actions:
        kind, value = action.get("type"), action.get("value")
        if kind == "notify_assignee" and ticket.assignee_id:
            notifications._alert_agents(ticket, first, [ticket.assignee_id], heading)
        elif kind == "notify_group" and ticket.group_id:
            from portal.tickets.models import group_members

            members = db.session.scalars(select(group_members.c.user_id).where(
                group_members.c.group_id == ticket.group_id))
            notifications._alert_agents(ticket, first, list(members), heading)
        elif kind == "notify_managers":
            managers = db.session.scalars(select(User.id).where(User.role == Role.MANAGER, User.active.is_(True)))
            notifications._alert_agents(ticket, first, list(managers), heading)
        elif kind == "raise_priority":
            order = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
            if ticket.priority in order and ticket.priority != Priority.URGENT:
                tickets.set_priority(ticket, order[order.index(ticket.priority) + 1], actor=actor)
        elif kind == "unassign" and ticket.assignee_id:
            tickets.assign(ticket, None, actor=actor)
        elif kind == "add_tag" and value:
            tickets.set_tags(ticket, sorted(set(ticket.tags) | {str(value)}), actor=actor)
    note = (_l("The %(target)s target was missed.", target=label) if breached else
            _l("The %(target)s target is due soon.", target=label))
    tickets.add_system_message(ticket, str(note), public=False)


def init_app(app):
    from portal.automation import sla_display

    forget_policies()
    app.jinja_env.globals.update(sla_badge=sla_display.badge, sla_targets=sla_display.targets)
    if not getattr(ticket_changed, "_sla_connected", False):
        ticket_changed.connect(_on_ticket_changed)
        ticket_changed._sla_connected = True
