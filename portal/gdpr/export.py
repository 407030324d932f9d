"""What a customer's data export holds: one JSON document and their attachments, in a zip."""
import io
import json
import os
import zipfile

from sqlalchemy import or_, select

from portal.automation.models import CsatSurvey
from portal.extensions import db
from portal.forum.models import Answer, Comment, Question
from portal.gdpr import subjects
from portal.models_base import utcnow
from portal.tickets import attachments as ticket_files
from portal.tickets.models import AuthorKind, MessageKind, TicketAttachment, TicketMessage

FORMAT_VERSION = 1


def _when(value):
    return value.isoformat() if value else None


def _money(value):
    return None if value is None else str(value)


def _account(user) -> dict | None:
    if user is None:
        return None
    return {"email": user.email, "name": user.name, "locale": user.locale, "created_at": _when(user.created_at),
            "email_verified_at": _when(user.email_verified_at), "last_login_at": _when(user.last_login_at),
            "two_factor_login": bool(user.totp_enabled_at)}


def _public_messages(ticket) -> list[TicketMessage]:
    return list(db.session.scalars(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind == MessageKind.PUBLIC).order_by(TicketMessage.id)))


def _attachment_name(ticket, message, attachment) -> str:
    return f"attachments/{ticket.number}/{message.id}-{attachment.id}-{os.path.basename(attachment.original_name)}"


def _message(ticket, message, files: list) -> dict:
    names = []
    for attachment in message.attachments:
        names.append(_attachment_name(ticket, message, attachment))
        files.append((names[-1], attachment))
    return {"at": _when(message.created_at), "from": "you" if message.author_kind == AuthorKind.CUSTOMER else "team",
            "channel": message.channel.value, "body": message.body, "attachments": names}


def _ticket(ticket, files: list) -> dict:
    return {"number": ticket.number, "subject": ticket.subject, "status": ticket.status.value,
            "channel": ticket.channel.value, "created_at": _when(ticket.created_at),
            "solved_at": _when(ticket.solved_at), "requester_name": ticket.requester_name,
            "requester_email": ticket.requester_email,
            "messages": [_message(ticket, message, files) for message in _public_messages(ticket)]}


def _order(order) -> dict:
    return {"number": order.number, "shop": order.store.name, "placed_at": _when(order.placed_at),
            "email": order.email, "customer_name": order.customer_name, "currency": order.currency,
            "subtotal": _money(order.subtotal), "shipping_total": _money(order.shipping_total),
            "tax_total": _money(order.tax_total), "total": _money(order.total),
            "payment_status": order.financial_status.value, "fulfillment_status": order.fulfillment_status.value,
            "cancelled_at": _when(order.cancelled_at), "note": order.note,
            "shipping_address": order.shipping_address or {},
            "billing_address": order.billing_address or {},
            "items": [{"title": item.title, "variant": item.variant, "sku": item.sku, "quantity": item.quantity,
                       "unit_price": _money(item.unit_price)} for item in order.items],
            "shipments": [{"carrier": s.carrier, "tracking_number": s.tracking_number, "tracking_url": s.tracking_url,
                           "status": s.status, "shipped_at": _when(s.shipped_at),
                           "delivered_at": _when(s.delivered_at)} for s in order.shipments],
            "refunds": [{"amount": _money(r.amount), "reason": r.reason, "at": _when(r.created_at)}
                        for r in order.refunds]}


def _community(user) -> dict:
    if user is None:
        return {"questions": [], "answers": [], "comments": []}
    def mine(model):
        return db.session.scalars(select(model).where(model.author_id == user.id).order_by(model.id))
    return {
        "questions": [{"title": q.title, "body": q.body, "tags": list(q.tags or []), "status": q.status.value,
                       "created_at": _when(q.created_at)} for q in mine(Question)],
        "answers": [{"question": a.question.title, "body": a.body, "status": a.status.value,
                     "created_at": _when(a.created_at)} for a in mine(Answer)],
        "comments": [{"body": c.body, "status": c.status.value, "created_at": _when(c.created_at)}
                     for c in mine(Comment)],
    }


def _surveys(tickets) -> list[dict]:
    numbers = {ticket.id: ticket.number for ticket in tickets}
    if not numbers:
        return []
    rows = db.session.scalars(select(CsatSurvey).where(CsatSurvey.ticket_id.in_(numbers),
                                                       or_(CsatSurvey.rating.is_not(None),
                                                           CsatSurvey.comment.is_not(None)))
                              .order_by(CsatSurvey.id))
    return [{"ticket": numbers[row.ticket_id], "rating": row.rating, "comment": row.comment,
             "answered_at": _when(row.answered_at)} for row in rows]


def collect(subject: subjects.Subject) -> tuple[dict, list[tuple[str, TicketAttachment]]]:
    """The export document and the (name in the zip, attachment) of every attachment it names."""
    files: list[tuple[str, TicketAttachment]] = []
    tickets = subjects.tickets(subject)
    document = {
        "format": FORMAT_VERSION, "exported_at": _when(utcnow()), "email": subject.email,
        "account": _account(subject.user),
        "contact_identities": [{"kind": i.kind, "value": i.value} for i in subject.identities],
        "tickets": [_ticket(ticket, files) for ticket in tickets],
        "orders": [_order(order) for order in subjects.orders(subject)],
        "community": _community(subject.user),
        "satisfaction": _surveys(tickets),
    }
    return document, files


def write_zip(document: dict, files: list[tuple[str, TicketAttachment]], stream) -> None:
    """Write `data.json` and the attachments still in the upload store into `stream`.

    Raises StorageUnavailable when the store cannot be read: an export missing files would look complete.
    """
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, indent=2, ensure_ascii=False))
        for name, attachment in files:
            data = ticket_files.read(attachment)
            if data is not None:
                archive.writestr(name, data)


def as_bytes(document: dict, files: list[tuple[str, TicketAttachment]]) -> bytes:
    buffer = io.BytesIO()
    write_zip(document, files, buffer)
    return buffer.getvalue()
