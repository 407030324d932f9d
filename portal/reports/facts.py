"""One fact row per ticket: what the reports need to know about it, worked out once when it changes.

Definitions (the figures follow from them):
- First response time: from creation to the first public reply by a person (the automation user's answers,
  such as WISMO's, do not count), in business time of the ticket's calendar (the SLA policy's, else the
  store's, else the group's, else the default one; round the clock when there is none). Tickets opened by
  an agent on a customer's behalf have none.
- Resolution time: from creation to the latest solve (or the close), in the same business time.
- Replies: public replies by people; one-touch = solved after exactly one.
- SLA: the outcome SLA flags record (met or breached), a live target already past is breached.
- A ticket merged into another is counted once, as the one it went into.
"""
from collections import Counter
from types import SimpleNamespace

from sqlalchemy import select

from portal.automation import sla
from portal.automation.models import CsatSurvey, SlaPolicy
from portal.extensions import db
from portal.models_base import utcnow
from portal.permissions import SYSTEM_EMAIL
from portal.reports.filters import local_day as to_day
from portal.reports.filters import zone
from portal.reports.histogram import bucket
from portal.reports.models import ReportReply, ReportTicket
from portal.tickets.models import AuthorKind, MessageKind, Status, Ticket, TicketEvent, TicketMessage, TicketTag

DONE = (Status.SOLVED, Status.CLOSED)
WISMO_ANSWERED, WISMO_ROUTED = "wismo-answered", ("wismo-late", "wismo-stuck")
FACT_COLUMNS = [c.name for c in ReportTicket.__table__.columns]


class Calendars:
    """The business calendar of each (policy, store, group), looked up once per batch."""

    def __init__(self):
        self.policy_calendar = dict(db.session.execute(select(SlaPolicy.id, SlaPolicy.calendar_id)).all())
        self.cache = {}

    def get(self, policy_id, store_id, group_id):
        key = (policy_id, store_id, group_id)
        if key not in self.cache:
            calendar_id = self.policy_calendar.get(policy_id)
            policy = SimpleNamespace(calendar_id=calendar_id) if calendar_id else None
            row = sla.calendar_row_for(SimpleNamespace(store_id=store_id, group_id=group_id), policy)
            self.cache[key] = sla.to_calendar(row)
        return self.cache[key]


def system_user_id() -> int | None:
    from portal.accounts.models import User

    return db.session.scalar(select(User.id).where(User.email == SYSTEM_EMAIL))


def _by_ticket(rows) -> dict:
    grouped = {}
    for row in rows:
        grouped.setdefault(row.ticket_id, []).append(row)
    return grouped


def _gather(condition):
    """The tickets, public messages, reopen counts, tags and answered surveys matching `condition`, a
    function of a ticket-id column (an IN list or a range, both read through indexes)."""
    tickets = db.session.execute(select(
        Ticket.id, Ticket.status, Ticket.channel, Ticket.store_id, Ticket.group_id, Ticket.assignee_id, Ticket.topic,
        Ticket.sla_policy_id, Ticket.sla_state, Ticket.first_reply_due_at, Ticket.resolution_due_at,
        Ticket.next_response_due_at, Ticket.sla_resolution_left, Ticket.solved_at, Ticket.closed_at, Ticket.updated_at,
        Ticket.created_at, Ticket.merged_into_id, Ticket.requester_id).where(condition(Ticket.id))).all()
    messages = _by_ticket(db.session.execute(
        select(TicketMessage.ticket_id, TicketMessage.author_kind, TicketMessage.author_id, TicketMessage.created_at)
        .where(condition(TicketMessage.ticket_id), TicketMessage.kind == MessageKind.PUBLIC)
        .order_by(TicketMessage.ticket_id, TicketMessage.created_at, TicketMessage.id)))
    reopens = dict(db.session.execute(
        select(TicketEvent.ticket_id, db.func.count()).where(condition(TicketEvent.ticket_id),
                                                             TicketEvent.kind == "reopen")
        .group_by(TicketEvent.ticket_id)).all())
    tags = {}
    for ticket_id, tag in db.session.execute(select(TicketTag.ticket_id, TicketTag.tag)
                                             .where(condition(TicketTag.ticket_id)).order_by(TicketTag.tag)):
        tags.setdefault(ticket_id, []).append(tag)
    surveys = {row.ticket_id: row for row in db.session.execute(
        select(CsatSurvey.ticket_id, CsatSurvey.rating, CsatSurvey.answered_at, CsatSurvey.agent_id,
               CsatSurvey.comment.is_not(None).label("has_comment"))
        .where(condition(CsatSurvey.ticket_id), CsatSurvey.answered_at.is_not(None)))}
    return tickets, messages, reopens, tags, surveys


def _outcome(flags, target, due, now):
    if f"met:{target}" in flags:
        return "met"
    if f"b:{target}" in flags:
        return "breached"
    if due is not None:
        return "breached" if due <= now else "running"
    return None


def _seconds(calendar, start, end) -> int:
    return int(round(calendar.minutes_between(start, end) * 60))


def _sla(ticket, now) -> dict:
    """The outcome of each target, from the SLA flags; a live target already past counts as breached."""
    flags = set(filter(None, (ticket.sla_state or "").split(",")))
    paused = (ticket.resolution_due_at is None and ticket.sla_resolution_left is not None and
              not flags & {"met:resolution", "b:resolution"})
    return {"sla_first": _outcome(flags, "first", ticket.first_reply_due_at, now),
            "sla_resolution": "running" if paused else _outcome(flags, "resolution", ticket.resolution_due_at, now),
            "sla_next_breached": "b:next" in flags or (ticket.next_response_due_at is not None and
                                                        ticket.next_response_due_at <= now)}


def _survey(survey, local_day) -> dict:
    if survey is None:
        return {"csat_day": None, "csat_rating": None, "csat_agent_id": None, "csat_comment": False}
    return {"csat_day": local_day(survey.answered_at), "csat_rating": survey.rating, "csat_agent_id": survey.agent_id,
            "csat_comment": bool(survey.has_comment)}


def _wismo(messages, tags) -> dict:
    """Answered from the order (and did the customer write back after it?) or sent to a person."""
    wismo = "answered" if WISMO_ANSWERED in tags else "routed" if set(WISMO_ROUTED) & set(tags) else None
    first_agent = next((m for m in messages if m.author_kind == AuthorKind.AGENT), None)
    replied = first_agent is not None and any(
        m.author_kind == AuthorKind.CUSTOMER and m.created_at > first_agent.created_at for m in messages)
    return {"wismo": wismo, "wismo_replied": wismo == "answered" and replied}


def _durations(calendar, ticket, first, solved_when) -> dict:
    frt = _seconds(calendar, ticket.created_at, first.created_at) if first else None
    resolution = _seconds(calendar, ticket.created_at, solved_when) if solved_when else None
    return {"frt_seconds": frt, "frt_bucket": bucket(frt) if frt is not None else None,
            "resolution_seconds": resolution, "resolution_bucket": bucket(resolution) if resolution is not None else None}


def build(ticket, messages, reopens, tags, survey, *, calendars, system_id, now, tz=None) -> tuple[dict, list]:
    """(the fact row, its reply rows) of one ticket."""
    tz = tz or zone()

    def local_day(moment):
        return to_day(moment, tz)

    people = [m for m in messages if m.author_kind == AuthorKind.AGENT and m.author_id and m.author_id != system_id]
    first = people[0] if people and messages[0].author_kind == AuthorKind.CUSTOMER else None
    solved_when = (ticket.solved_at or ticket.closed_at or ticket.updated_at) if ticket.status in DONE else None
    calendar = calendars.get(ticket.sla_policy_id, ticket.store_id, ticket.group_id)
    fact = {
        "ticket_id": ticket.id, "created_at": ticket.created_at, "created_day": local_day(ticket.created_at),
        "solved_day": local_day(solved_when), "first_reply_day": local_day(first.created_at) if first else None,
        "status": ticket.status.value, "store_id": ticket.store_id, "channel": ticket.channel.value,
        "group_id": ticket.group_id, "assignee_id": ticket.assignee_id, "topic": ticket.topic,
        "tags": ",".join(tags), "first_replier_id": first.author_id if first else None,
        "replies": len(people), "reopens": reopens, **_durations(calendar, ticket, first, solved_when),
        **_sla(ticket, now), **_survey(survey, local_day), **_wismo(messages, tags)}
    counts = Counter((local_day(m.created_at), m.author_id) for m in people)
    dims = {name: fact[name] for name in ("store_id", "channel", "group_id", "topic")}
    replies = [{"ticket_id": ticket.id, "day": day, "agent_id": agent, "replies": n, **dims}
               for (day, agent), n in sorted(counts.items())]
    return fact, replies


def compute(condition, *, calendars=None, system_id=None, now=None) -> tuple[dict, list]:
    """({ticket id: fact}, reply rows) for the tickets matching `condition` (merged-away ones left out)."""
    calendars = calendars or Calendars()
    system_id = system_id if system_id is not None else system_user_id()
    now = now or utcnow()
    tickets, messages, reopens, tags, surveys = _gather(condition)
    facts, replies, tz = {}, [], zone()
    for ticket in tickets:
        if ticket.merged_into_id:
            continue
        fact, rows = build(ticket, messages.get(ticket.id, []), reopens.get(ticket.id, 0), tags.get(ticket.id, []),
                           surveys.get(ticket.id), calendars=calendars, system_id=system_id, now=now, tz=tz)
        facts[ticket.id] = fact
        replies.extend(rows)
    return facts, replies


def _days(fact, replies) -> set:
    days = {fact[name] for name in ("created_day", "solved_day", "first_reply_day", "csat_day")} if fact else set()
    days.update(row["day"] for row in replies)
    days.discard(None)
    return days


def stored(ticket_ids) -> tuple[dict, dict]:
    """The fact rows and reply rows now stored for these tickets."""
    facts = {row.ticket_id: dict(row._mapping) for row in db.session.execute(
        select(ReportTicket.__table__).where(ReportTicket.ticket_id.in_(ticket_ids)))}
    replies = {}
    for row in db.session.execute(select(ReportReply.__table__).where(ReportReply.ticket_id.in_(ticket_ids))):
        replies.setdefault(row.ticket_id, []).append(dict(row._mapping))
    return facts, replies


def refresh(ticket_ids, **context) -> set:
    """Compute the facts of these tickets again and store them; returns the days whose rollups changed."""
    ticket_ids = sorted(set(ticket_ids))
    if not ticket_ids:
        return set()
    old_facts, old_replies = stored(ticket_ids)
    new_facts, reply_rows = compute(lambda column: column.in_(ticket_ids), **context)
    new_replies = {}
    for row in reply_rows:
        new_replies.setdefault(row["ticket_id"], []).append(row)
    dirty = set()
    for ticket_id in ticket_ids:
        old, new = old_facts.get(ticket_id), new_facts.get(ticket_id)
        before, after = old_replies.get(ticket_id, []), new_replies.get(ticket_id, [])
        if old != new or sorted(map(_reply_key, before)) != sorted(map(_reply_key, after)):
            dirty |= _days(old, before) | _days(new, after)
    db.session.execute(ReportReply.__table__.delete().where(ReportReply.ticket_id.in_(ticket_ids)))
    db.session.execute(ReportTicket.__table__.delete().where(ReportTicket.ticket_id.in_(ticket_ids)))
    write(new_facts.values(), reply_rows)
    return dirty


def _reply_key(row):
    return row["day"], row["agent_id"], row["replies"], row["store_id"], row["channel"], row["group_id"], row["topic"]


def write(facts, replies) -> None:
    facts = list(facts)
    if facts:
        db.session.execute(ReportTicket.__table__.insert(), facts)
    if replies:
        db.session.execute(ReportReply.__table__.insert(), list(replies))
