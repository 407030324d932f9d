"""How an agent's reply goes out by mail: from the ticket's mailbox, threaded on the customer's last
message, with the [#N] token, CCs, the agent's signature and the customer's words quoted below."""
from email.utils import formataddr

from flask import current_app
from sqlalchemy import select

from portal.channels.email import threading
from portal.channels.email.models import InboundEmail, Mailbox
from portal.extensions import db
from portal.tickets.models import AgentSetting, AuthorKind, MessageKind, Ticket, TicketMessage


def _mailbox(ticket: Ticket) -> Mailbox | None:
    return db.session.get(Mailbox, ticket.mailbox_id) if ticket.mailbox_id else None


def last_customer_message(ticket: Ticket, before: TicketMessage | None = None) -> TicketMessage | None:
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                        TicketMessage.author_kind == AuthorKind.CUSTOMER,
                                        TicketMessage.kind == MessageKind.PUBLIC)
    if before is not None:
        query = query.where(TicketMessage.id < before.id)
    return db.session.scalar(query.order_by(TicketMessage.id.desc()).limit(1))


def references(ticket: Ticket, root: str) -> list[str]:
    """Our thread root, then every customer Message-ID we stored for the ticket (oldest first, capped)."""
    stored = db.session.scalars(select(InboundEmail.message_id).where(InboundEmail.ticket_id == ticket.id)
                                .order_by(InboundEmail.id).limit(20))
    return [root, *[mid for mid in stored if not mid.startswith("<synthetic-")]]


def signature(agent) -> str | None:
    setting = db.session.get(AgentSetting, agent.id) if agent is not None else None
    return setting.signature if setting and setting.signature else None


def reply_envelope(ticket: Ticket, message: TicketMessage, root: str) -> dict:
    """Sender, Reply-To, CC, threading headers and the quoted customer text for an agent reply."""
    mailbox = _mailbox(ticket)
    quoted = last_customer_message(ticket, before=message)
    refs = references(ticket, root)
    in_reply_to = quoted.external_id if quoted is not None and quoted.external_id else refs[-1]
    envelope = {
        "headers": {"In-Reply-To": in_reply_to, "References": " ".join(dict.fromkeys(refs + [in_reply_to]))},
        "cc": [formataddr((p.name, p.email)) for p in threading.participants(ticket)],
        "quote": quoted, "signature": signature(message.author), "record_delivery": True,
    }
    if mailbox is not None:
        envelope["sender"] = mailbox.sender
        envelope["reply_to"] = _reply_to(mailbox, ticket)
    return envelope


def _reply_to(mailbox: Mailbox, ticket: Ticket) -> str | None:
    """support+t1042@shop.example when MAIL_PLUS_ADDRESSING is on (threads even if the subject is lost)."""
    if not current_app.config.get("MAIL_PLUS_ADDRESSING"):
        return None
    local, _, domain = mailbox.address.partition("@")
    return formataddr((mailbox.from_name or "", f"{local}+t{ticket.number}@{domain}"))
