"""Signed links: a guest's view of their ticket, and one-click notification unsubscribe."""
from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from portal.tickets.models import Ticket


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"comptoir.tickets.{purpose}")


def guest_token(ticket: Ticket) -> str:
    """A link token bound to the ticket and its requester's address."""
    return _serializer("guest").dumps({"t": ticket.id, "e": ticket.requester_email})


def read_guest_token(token: str) -> tuple[int, str] | None:
    """(ticket id, email) from a guest token, or None when forged."""
    try:
        data = _serializer("guest").loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return None
    return data["t"], str(data.get("e", ""))


def customer_link(ticket: Ticket) -> str:
    """Where the requester follows the ticket: the portal for accounts, the signed page for guests."""
    if ticket.requester_id:
        return url_for("portal_tickets.show", number=ticket.number, _external=True)
    return url_for("contact.guest_ticket", token=guest_token(ticket), _external=True)


def staff_link(ticket: Ticket) -> str:
    return url_for("staff_tickets.show", number=ticket.number, _external=True)


def unsubscribe_token(email: str) -> str:
    return _serializer("unsubscribe").dumps({"e": email})


def read_unsubscribe_token(token: str) -> str | None:
    try:
        data = _serializer("unsubscribe").loads(token)
    except BadSignature:
        return None
    return data.get("e") if isinstance(data, dict) else None


def unsubscribe_link(email: str) -> str:
    return url_for("contact.preferences", token=unsubscribe_token(email), _external=True)


def one_click_link(email: str) -> str:
    return url_for("contact.one_click_unsubscribe", token=unsubscribe_token(email), _external=True)
