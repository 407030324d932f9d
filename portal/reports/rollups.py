"""Keeping the facts and daily rollups current: the ticket_changed hook notes each changed ticket, the
worker's refresh (every minute) computes those tickets' facts again and the rollups of the days they touch;
`rebuild` does it all from scratch (or from a date). A page view only ever reads rollups or facts.
"""
from datetime import date, datetime, timedelta

from flask import has_app_context
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.jobs import services as jobs
from portal.models_base import utcnow
from portal.reports import facts, writing
from portal.reports.filters import day_start, today
from portal.reports.models import (ReportDay, ReportHistogram, ReportPending, ReportReply, ReportState,
                                   ReportTicket)
from portal.tickets.models import Status, Ticket

BATCH = 500
REBUILD_CHUNK = 2000
DAYS_PER_WRITE = 31
_SESSION_KEY = "reports_pending"


# --- noting changes ------------------------------------------------------------------------------

def note_changed(ticket) -> None:
    """Mark a ticket for the next refresh (once per transaction), in the caller's transaction."""
    session = db.session()
    noted = session.info.setdefault(_SESSION_KEY, set())
    if ticket.id in noted:
        return
    noted.add(ticket.id)
    session.add(ReportPending(ticket_id=ticket.id))


def _on_ticket_changed(ticket, **_):
    if has_app_context() and ticket.id is not None:
        note_changed(ticket)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_noted(session, *_args):
    # after any rollback, a savepoint's too: its pending rows are gone, so note the tickets again
    session.info.pop(_SESSION_KEY, None)


# --- state ---------------------------------------------------------------------------------------

def get_state(name: str) -> str | None:
    row = db.session.get(ReportState, name)
    return row.value if row else None


def set_state(name: str, value: str) -> None:
    row = db.session.get(ReportState, name)
    if row is None:
        db.session.add(ReportState(name=name, value=value, updated_at=utcnow()))
    else:
        row.value, row.updated_at = value, utcnow()
    db.session.flush()


def claim_state(name: str, value: str) -> bool:
    """Set `name` to `value` unless it already holds it; True for the one caller that changed it."""
    if db.session.get(ReportState, name) is None:
        set_state(name, "")
    changed = db.session.execute(update(ReportState).where(ReportState.name == name, ReportState.value != value)
                                 .values(value=value, updated_at=utcnow())).rowcount
    db.session.flush()
    return bool(changed)


# --- rollups of days -------------------------------------------------------------------------------

def write_days(days) -> int:
    """Recompute the rollups of these days from the facts; returns the rows written."""
    return writing.write_days(days)


# --- the refresh -----------------------------------------------------------------------------------

def _due_crossed(since: datetime, now: datetime) -> set[int]:
    """Tickets with a live SLA target that fell due since the last refresh (now breached, no change sent)."""
    ids = set()
    for column in (Ticket.first_reply_due_at, Ticket.next_response_due_at, Ticket.resolution_due_at):
        ids.update(db.session.scalars(select(Ticket.id).where(column > since, column <= now)))
    return ids


@jobs.task("reports.refresh", max_attempts=3)
def refresh(now=None) -> dict:
    """Facts of every ticket changed (or fallen due) since the last run, then the rollups of the days
    they touch. Returns {"tickets": n, "days": n}."""
    now = now or utcnow()
    last = get_state("due_checked_at")
    since = datetime.fromisoformat(last) if last else now
    pending = db.session.execute(select(ReportPending.id, ReportPending.ticket_id)
                                 .order_by(ReportPending.id).limit(20 * BATCH)).all()
    ids = {ticket_id for _id, ticket_id in pending} | _due_crossed(since, now)
    dirty, ordered = set(), sorted(ids)
    context = {"calendars": facts.Calendars(), "system_id": facts.system_user_id(), "now": now}
    for start in range(0, len(ordered), BATCH):
        dirty |= facts.refresh(ordered[start:start + BATCH], **context)
    write_days(dirty)
    if pending:
        db.session.execute(ReportPending.__table__.delete().where(ReportPending.id <= pending[-1][0]))
    set_state("due_checked_at", now.isoformat())
    db.session.flush()
    return {"tickets": len(ids), "days": len(dirty)}


@jobs.task("reports.nightly", max_attempts=3)
def nightly() -> dict:
    """The safety net and the slow parts: tickets updated in the last two days computed again (a change
    that sent no signal), self-service counters of the last week, community answers of the last 90 days,
    and the weekly mail when this week's has not gone yet."""
    from portal.reports import self_service, weekly

    since = utcnow() - timedelta(days=2)
    ids = list(db.session.scalars(select(Ticket.id).where(Ticket.status.in_(list(Status)),
                                                          Ticket.updated_at >= since)))
    dirty = set()
    context = {"calendars": facts.Calendars(), "system_id": facts.system_user_id()}
    for start in range(0, len(ids), BATCH):
        dirty |= facts.refresh(ids[start:start + BATCH], **context)
    write_days(dirty)
    self_service.refresh(today() - timedelta(days=7), today())
    self_service.refresh_community(today() - timedelta(days=90), today())
    sent = weekly.send_due()
    return {"tickets": len(ids), "days": len(dirty), "weekly": sent}


# --- rebuild ---------------------------------------------------------------------------------------

def rebuild(since: date | None = None, log=None) -> dict:
    """Compute facts and rollups again: everything, or from `since` (the tickets changed since then and
    every day from then to today). Commits as it goes (a year of tickets is never held at once)."""
    from portal.reports import self_service

    log = log or (lambda _message: None)
    if since is None:
        counts = _rebuild_all_facts(log)
        first = db.session.scalar(select(func.min(ReportTicket.created_day))) or today()
        days = set()
    else:
        counts = _rebuild_facts_since(since, log)
        first, days = since, counts.pop("dirty")
        for model in (ReportDay, ReportHistogram):
            db.session.execute(model.__table__.delete().where(model.day >= since))
    end = max(today(), *(days or {today()}))
    day, written = first, 0
    while day <= end:
        last = min(day + timedelta(days=DAYS_PER_WRITE - 1), end)
        written += writing.write_rollups(day, last)
        db.session.commit()
        day = last + timedelta(days=1)
    written += write_days({d for d in days if d < first})
    self_service.refresh(first, end)
    self_service.refresh_community(first, end)
    set_state("due_checked_at", utcnow().isoformat())
    db.session.execute(ReportPending.__table__.delete())
    db.session.commit()
    log(f"rollups: {written} rows for {first} to {end}")
    return {**counts, "rollup_rows": written, "first_day": first.isoformat(), "last_day": end.isoformat()}


def _rebuild_all_facts(log) -> dict:
    db.session.execute(ReportReply.__table__.delete())
    db.session.execute(ReportTicket.__table__.delete())
    db.session.execute(ReportDay.__table__.delete())
    db.session.execute(ReportHistogram.__table__.delete())
    db.session.commit()
    low, high = db.session.execute(select(func.min(Ticket.id), func.max(Ticket.id))).one()
    context = {"calendars": facts.Calendars(), "system_id": facts.system_user_id(), "now": utcnow()}
    total = 0
    for first in range(low or 1, (high or 0) + 1, REBUILD_CHUNK):
        bounds = (first, first + REBUILD_CHUNK - 1)
        found, replies = facts.compute(lambda column: column.between(*bounds), **context)
        facts.write(found.values(), replies)
        db.session.commit()
        total += len(found)
        if (first // REBUILD_CHUNK) % 50 == 0:
            log(f"facts: {total} tickets (up to #{bounds[1] + 1000})")
    return {"tickets": total}


def _rebuild_facts_since(since: date, log) -> dict:
    """Facts of the tickets created or changed since `since`, and of those answered in a survey since."""
    from portal.automation.models import CsatSurvey

    start = day_start(since)
    ids = set(db.session.scalars(select(Ticket.id).where(Ticket.status.in_(list(Status)),
                                                         Ticket.updated_at >= start)))
    ids |= set(db.session.scalars(select(CsatSurvey.ticket_id).where(CsatSurvey.answered_at >= start)))
    ids |= set(db.session.scalars(select(Ticket.id).where(or_(
        Ticket.first_reply_due_at >= start, Ticket.resolution_due_at >= start, Ticket.next_response_due_at >= start))))
    ordered, dirty = sorted(ids), set()
    context = {"calendars": facts.Calendars(), "system_id": facts.system_user_id(), "now": utcnow()}
    for first in range(0, len(ordered), BATCH):
        dirty |= facts.refresh(ordered[first:first + BATCH], **context)
        db.session.commit()
    log(f"facts: {len(ordered)} tickets changed since {since}")
    return {"tickets": len(ordered), "dirty": dirty}
