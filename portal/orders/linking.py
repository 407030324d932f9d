"""Tickets and orders: link a new ticket to the order it mentions, when that order is the requester's."""
import re

from sqlalchemy import or_, select

from portal.extensions import db
from portal.orders.models import Order

# "order #1043", "order no. 1043", "commande 1043", "commande n° 1043", "n° 1043", "#1043"
ORDER_MENTION = re.compile(
    r"(?:\b(?:order|orders|commande|cde|cmd)\s*(?:n(?:o|°|º|r)?\.?\s*|number\s*|num(?:éro|ero)?\s*)?[:#]?\s*"
    r"|\bn\s*[°º]\s*|#)(\d{3,12})\b", re.IGNORECASE)


def mentioned_numbers(text: str) -> set[str]:
    return set(ORDER_MENTION.findall(text or ""))


def find_mentioned_order(ticket, text: str) -> Order | None:
    """The requester's order mentioned in `text`; None when none, several, or not theirs."""
    numbers = mentioned_numbers(text)
    if not numbers:
        return None
    owner = [Order.email == ticket.requester_email]
    if ticket.requester_id:
        owner.append(Order.customer_id == ticket.requester_id)
    found = list(db.session.scalars(select(Order).where(Order.number.in_(numbers), or_(*owner),
                                                        Order.deleted_at.is_(None))))
    return found[0] if len(found) == 1 else None


def auto_link(ticket, **_) -> None:
    """On a new ticket: link the order its subject or first message mentions."""
    from portal.tickets import services
    from portal.tickets.models import TicketMessage

    if ticket.order_id:
        return
    first = db.session.scalar(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id).limit(1))
    order = find_mentioned_order(ticket, f"{ticket.subject}\n{first or ''}")
    if order is not None:
        services.set_order(ticket, order, actor=None)


def _on_ticket_changed(ticket, kind=None, **_):
    if kind == "opened":
        auto_link(ticket)


def init_app(app):
    from portal.signals import ticket_changed

    ticket_changed.connect(_on_ticket_changed)
