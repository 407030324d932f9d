"""The email side of a ticket for the desk: who wrote to whom, flags, our mails' delivery, safe HTML."""
import re

from flask import url_for
from markupsafe import Markup
from sqlalchemy import select

from portal.channels.email.models import InboundEmail
from portal.extensions import db
from portal.mail import OutgoingMail

_CID = re.compile(r'src="cid:([^"]+)"')


def thread_details(ticket) -> dict:
    """{message id: {"inbound": InboundEmail | None, "mails": [OutgoingMail]}} in two queries."""
    details = {}
    for record in db.session.scalars(select(InboundEmail).where(InboundEmail.ticket_id == ticket.id)):
        if record.ticket_message_id:
            details.setdefault(record.ticket_message_id, {"inbound": None, "mails": []})["inbound"] = record
    for mail in db.session.scalars(select(OutgoingMail).where(OutgoingMail.ticket_id == ticket.id,
                                                              OutgoingMail.ticket_message_id.is_not(None))):
        details.setdefault(mail.ticket_message_id, {"inbound": None, "mails": []})["mails"].append(mail)
    return details


def ticket_flags(details: dict) -> set[str]:
    """The flags of every inbound mail in `details` (see thread_details)."""
    return {flag for item in details.values() if item["inbound"] for flag in (item["inbound"].flags or [])}


def flags_of(ticket) -> list[str]:
    """The flags (auth_failed, reply_to_differs) of the mail a ticket received, sorted."""
    rows = db.session.scalars(select(InboundEmail.flags).where(InboundEmail.ticket_id == ticket.id))
    return sorted({flag for flags in rows for flag in (flags or [])})


def message_html(ticket, message) -> Markup:
    """The stored (already sanitised) HTML with cid: images pointed at the ticket's attachment URLs."""
    by_cid = {a.content_id: a for a in message.attachments if a.content_id}

    def point(match):
        attachment = by_cid.get(match.group(1))
        if attachment is None:
            return 'src=""'
        return f'src="{url_for("staff_tickets.attachment", number=ticket.number, attachment_id=attachment.id)}"'
    return Markup(_CID.sub(point, message.body_html or ""))  # noqa: S704 (sanitised at ingest)
