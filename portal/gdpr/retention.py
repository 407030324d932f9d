"""The retention rules: what is old enough to go, and making it go (service.apply_retention)."""
import os
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.channels.email import ingest as mail_ingest
from portal.channels.email.models import InboundEmail
from portal.extensions import db
from portal.gdpr import erasure, subjects
from portal.gdpr.redaction import name_parts
from portal.models_base import utcnow
from portal.orders import ingest as order_ingest
from portal.orders.models import WebhookDelivery
from portal.tickets.models import Status, Ticket

DAYS_PER_MONTH = 30


def old_tickets() -> list[Ticket]:
    """Solved or closed tickets untouched for TICKET_RETENTION_MONTHS (none when it is 0: off)."""
    months = current_app.config["TICKET_RETENTION_MONTHS"]
    if not months:
        return []
    cutoff = utcnow() - timedelta(days=months * DAYS_PER_MONTH)
    return list(db.session.scalars(select(Ticket).where(
        Ticket.status.in_((Status.SOLVED, Status.CLOSED)), Ticket.updated_at < cutoff,
        func.coalesce(Ticket.closed_at, Ticket.solved_at, Ticket.updated_at) < cutoff,
        Ticket.requester_email.not_like(f"%@{subjects.ERASED_DOMAIN}")).order_by(Ticket.id)))


def old_payload_count() -> int:
    cutoff = utcnow() - timedelta(days=current_app.config["WEBHOOK_PAYLOAD_DAYS"])
    return db.session.scalar(select(func.count(WebhookDelivery.id)).where(
        WebhookDelivery.received_at < cutoff, WebhookDelivery.payload.is_not(None))) or 0


def old_mail_originals() -> list[InboundEmail]:
    """Inbound messages whose raw original is older than MAIL_RAW_DAYS (none when it is 0: kept)."""
    days = current_app.config["MAIL_RAW_DAYS"]
    if not days:
        return []
    cutoff = utcnow() - timedelta(days=days)
    return list(db.session.scalars(select(InboundEmail).where(InboundEmail.received_at < cutoff,
                                                              InboundEmail.raw_name.is_not(None))))


def anonymise_ticket(ticket: Ticket) -> None:
    """The requester's identity and words leave the ticket; the team's replies and the figures stay."""
    plan = erasure.Erasure(label=_("Erased customer"), address=f"erased-ticket-{ticket.id}@{subjects.ERASED_DOMAIN}",
                           identifiers=[ticket.requester_email], names=name_parts([ticket.requester_name]))
    email = ticket.requester_email
    erasure.tickets(plan, [ticket])
    erasure.mail_originals(plan, subjects.Subject(email=email), [ticket.id])
    erasure.chats(subjects.Subject(email=email), [ticket.id])


def forget_mail_original(record: InboundEmail) -> None:
    path = mail_ingest.raw_path(record)
    if path and os.path.isfile(path):
        os.remove(path)
    record.raw_name = None


def purge_payloads() -> int:
    return order_ingest.purge_payloads()
