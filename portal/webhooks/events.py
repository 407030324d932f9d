"""From ticket changes to webhook events, queued in the transaction that made the change.

A ticket_changed signal only notes what happened (and which message); just before the transaction commits,
after the automation rules have run in it, each note becomes its events, built from what the change
wrote, and a delivery row and job per subscription join the same commit. The worker hears of the jobs
after the commit (portal/jobs/services.py), so a change that is rolled back sends nothing.
"""
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import has_app_context
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models_base import utcnow
from portal.signals import ticket_changed
from portal.tickets.models import MessageKind, Ticket, TicketMessage
from portal.webhooks import payloads
from portal.webhooks.models import WebhookSubscription

log = logging.getLogger("portal.webhooks")
PENDING, ACTIVE = "webhooks.pending", "webhooks.active"
MESSAGE_KINDS = {"reply": MessageKind.PUBLIC, "note": MessageKind.NOTE}


@dataclass(frozen=True)
class Change:
    """A ticket_changed signal, kept until the commit: the ticket's version then, and the message it added."""
    ticket_id: int
    kind: str
    version: int
    occurred_at: datetime
    message_id: int | None = None
    order_id: int | None = None
    survey_id: int | None = None

    @property
    def key(self) -> tuple:
        return self.ticket_id, self.kind, self.version, self.message_id, self.survey_id


def _subscribed(session) -> bool:
    """Is any subscription enabled? Asked once per transaction: without one, changes cost nothing more."""
    if ACTIVE not in session.info:
        session.info[ACTIVE] = db.session.scalar(
            select(WebhookSubscription.id).where(WebhookSubscription.enabled.is_(True)).limit(1)) is not None
    return session.info[ACTIVE]


def _message_of(ticket: Ticket, kind: str) -> int | None:
    """The message this change added: the first one of a new ticket, else the latest reply or note."""
    if kind == "opened":
        query = select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id)
    elif kind in MESSAGE_KINDS:
        query = select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id,
                                               TicketMessage.kind == MESSAGE_KINDS[kind]) \
            .order_by(TicketMessage.id.desc())
    else:
        return None
    return db.session.scalar(query.limit(1))


def _on_ticket_changed(ticket, kind=None, survey=None, **_):
    if not has_app_context() or ticket.id is None or not kind:
        return
    session = db.session()
    if not _subscribed(session):
        return
    change = Change(ticket.id, kind, ticket.version or 1, utcnow(), message_id=_message_of(ticket, kind),
                    order_id=ticket.order_id if kind == "order" else None, survey_id=getattr(survey, "id", None))
    pending = session.info.setdefault(PENDING, [])
    if change.key not in {p.key for p in pending}:
        pending.append(change)


def events_of(change: Change, seen: set | None = None) -> list[tuple[str, dict, bool]]:
    """(event type, data beside the ticket, internal) for each event of one change; none when it was undone.
    `seen` holds the (ticket, version) whose field changes were already reported in this commit: after a
    rolled-back savepoint, the next change reuses the version number."""
    if change.kind == "csat":
        return _csat_events(change)
    message = db.session.get(TicketMessage, change.message_id) if change.message_id else None
    if change.kind in ("opened", *MESSAGE_KINDS) and message is None:
        return []  # the message went with a rolled-back savepoint
    found = []
    if change.kind == "opened":
        found.append(("ticket.created", {"message": payloads.message_data(message)}, False))
    if message is not None:
        found.append(("message.created", {"message": payloads.message_data(message)}, message.is_note))
    seen = set() if seen is None else seen
    if change.kind not in ("opened", "note") and (change.ticket_id, change.version) not in seen:
        seen.add((change.ticket_id, change.version))
        changes = payloads.changes_at(change.ticket_id, change.version)
        if changes:
            found.append(("ticket.updated", {"changes": changes}, False))
        if any(c["field"] == "status" and c["to"] == "solved" for c in changes):
            found.append(("ticket.solved", {}, False))
    if change.kind == "order" and change.order_id:
        found.extend(_order_events(change))
    return found


def _csat_events(change: Change) -> list:
    from portal.automation.models import CsatSurvey

    survey = db.session.get(CsatSurvey, change.survey_id) if change.survey_id else None
    return [("csat.received", {"satisfaction": payloads.csat_data(survey)}, False)] if survey and survey.rating else []


def _order_events(change: Change) -> list:
    from portal.orders.models import Order

    order = db.session.get(Order, change.order_id)
    return [("order.linked", {"order": payloads.order_data(order)}, False)] if order is not None else []


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    # Registered after the automation engine's hook (imported first), so the rules' changes are in too.
    if session.in_nested_transaction() or not has_app_context() or session is not db.session():
        return
    from portal.webhooks import services

    seen = set()
    while session.info.get(PENDING):
        for change in session.info.pop(PENDING):
            try:
                services.queue_change(change, seen=seen)
            except SQLAlchemyError:
                raise  # the transaction itself is broken: its commit fails anyway
            except Exception:  # a payload that cannot be built must not undo the change it reports
                log.exception("webhook events of ticket %s (%s) were not queued", change.ticket_id, change.kind)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    if transaction.parent is None and not transaction.nested:
        session.info.pop(PENDING, None)  # rolled back: those changes never happened
        session.info.pop(ACTIVE, None)


def init_app(app):
    ticket_changed.connect(_on_ticket_changed)
