"""The JSON a receiver gets: an envelope (id, type, occurred_at) around the ticket and what happened to it.

Field names and shapes are documented in docs/webhooks.md; change them only by adding fields.
"""
import json
import uuid
from datetime import datetime

from flask import url_for

from portal.extensions import db
from portal.tickets import links
from portal.tickets.models import MessageKind, Ticket, TicketEvent, TicketMessage

EVENT_TYPES = ("ticket.created", "ticket.updated", "ticket.solved", "message.created", "csat.received",
               "order.linked")
TEST_EVENT = "webhook.test"
# Timeline event kinds that are changes of a ticket's fields, and their name in "changes".
FIELD_CHANGES = {"status": "status", "priority": "priority", "assignee": "assignee", "group": "group",
                 "tags": "tags", "order": "order", "merged_from": "merged_from"}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z (every datetime in the database is naive UTC)."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def envelope(event_type: str, occurred_at: datetime, **data) -> dict:
    """The event: a new id, its type and time, then the data (ticket, message, changes...)."""
    return {"id": str(uuid.uuid4()), "type": event_type, "occurred_at": iso(occurred_at), **data}


def encode(payload: dict) -> str:
    """The exact text sent (and signed): compact JSON, UTF-8 characters kept."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _person(user) -> dict | None:
    return {"id": user.id, "name": user.display_name, "email": user.email} if user is not None else None


def ticket_data(ticket: Ticket) -> dict:
    """The ticket as it is at commit. No guest link: it would let whoever reads the receiver's logs in."""
    return {"number": ticket.number, "subject": ticket.subject, "status": ticket.status.value,
            "priority": ticket.priority.value, "channel": ticket.channel.value,
            "group": ticket.group.name if ticket.group else None, "assignee": _person(ticket.assignee),
            "requester": {"name": ticket.requester_name or None, "email": ticket.requester_email or None},
            "tags": ticket.tags, "created_at": iso(ticket.created_at), "updated_at": iso(ticket.updated_at),
            "urls": {"staff": links.staff_link(ticket),
                     "customer": url_for("portal_tickets.show", number=ticket.number, _external=True)
                     if ticket.requester_id else None}}


def message_data(message: TicketMessage) -> dict:
    """A message of the conversation; `internal` is true for a note the customer never sees."""
    author = message.author
    return {"id": message.id, "internal": message.kind == MessageKind.NOTE, "author_type": message.author_kind.value,
            "author": {"name": author.display_name if author else None, "email": author.email if author else None},
            "channel": message.channel.value, "body": message.body, "created_at": iso(message.created_at),
            "attachments": [{"name": a.original_name, "content_type": a.content_type, "size": a.size}
                            for a in message.attachments]}


def changes_at(ticket_id: int, version: int) -> list[dict]:
    """The field changes the timeline logged at this version of the ticket (none: that change was undone)."""
    rows = db.session.scalars(db.select(TicketEvent).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.version == version,
        TicketEvent.kind.in_(FIELD_CHANGES)).order_by(TicketEvent.id))
    return [{"field": FIELD_CHANGES[row.kind], "from": _value(row.kind, row.old), "to": _value(row.kind, row.new)}
            for row in rows]


def _value(kind: str, text: str | None):
    if kind == "tags":
        return [t for t in (text or "").split(", ") if t]
    return text


def order_data(order) -> dict:
    return {"number": order.number, "store": order.store.name, "platform": order.store.platform.value,
            "financial_status": order.financial_status.value, "fulfillment_status": order.fulfillment_status.value,
            "total": str(order.total), "currency": order.currency, "placed_at": iso(order.placed_at)}


def csat_data(survey) -> dict:
    from portal.accounts.models import User

    agent = db.session.get(User, survey.agent_id) if survey.agent_id else None
    return {"rating": survey.rating, "comment": survey.comment, "answered_at": iso(survey.answered_at),
            "agent": _person(agent)}


def test_payload(subscription, occurred_at: datetime) -> dict:
    """What "Send test event" sends: no ticket, just enough to check the signature and the route."""
    return envelope(TEST_EVENT, occurred_at, webhook={"id": subscription.id, "name": subscription.name},
                    message="This is a test event from Comptoir.")
