"""One inbound function for every messaging channel (SMS, WhatsApp, Messenger, Instagram, chat, calls):
idempotent by the provider's message id, threaded on the sender's open conversation on that account,
stored through tickets.services like the web and email. The caller commits."""
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import contacts
from portal.channels.models import ChannelAccount, ChannelEvent
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets import attachments as files
from portal.tickets import services as tickets
from portal.tickets.models import Channel, Status, Ticket, TicketGroup

# The identity kind each account kind knows its senders by.
IDENTITY_OF = {"sms": "phone", "whatsapp": "whatsapp", "messenger": "messenger", "instagram": "instagram",
               "chat": "chat", "phone": "phone"}
CHANNEL_OF = {"sms": Channel.SMS, "whatsapp": Channel.WHATSAPP, "messenger": Channel.MESSENGER,
              "instagram": Channel.INSTAGRAM, "chat": Channel.CHAT, "phone": Channel.PHONE}


@dataclass
class InboundMessage:
    external_id: str  # the provider's message id (idempotency)
    sender: str  # phone number, WhatsApp id, page-scoped id, chat session...
    body: str
    sender_name: str = ""
    attachments: list = field(default_factory=list)  # [(filename, bytes)]
    meta: dict | None = None
    subject: str | None = None
    email: str | None = None  # when the channel knows it (a chat visitor who left it)
    user: object | None = None  # a logged-in customer (chat)


@dataclass(frozen=True)
class InboundResult:
    outcome: str  # new_ticket | reply | duplicate | ignored
    ticket: int | None
    reason: str
    message_id: int | None = None

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "ticket": self.ticket, "reason": self.reason}


def seen(account: ChannelAccount, external_id: str) -> ChannelEvent | None:
    return db.session.scalar(select(ChannelEvent).where(ChannelEvent.account_id == account.id,
                                                        ChannelEvent.external_id == external_id[:255]))


def record_event(account: ChannelAccount, external_id: str, kind: str, outcome: str, reason: str = "",
                 ticket_id: int | None = None) -> ChannelEvent:
    event = ChannelEvent(account_id=account.id, external_id=external_id[:255], kind=kind, outcome=outcome,
                         reason=reason[:300], ticket_id=ticket_id)
    db.session.add(event)
    account.last_event_at = utcnow()
    db.session.flush()
    return event


def open_conversation(account: ChannelAccount, address: str) -> Ticket | None:
    """The sender's newest ticket on this account that is not closed or merged away."""
    return db.session.scalar(select(Ticket).where(
        Ticket.channel_account_id == account.id, Ticket.channel_address == address,
        Ticket.merged_into_id.is_(None), Ticket.status != Status.CLOSED).order_by(Ticket.id.desc()).limit(1))


def receive(account: ChannelAccount, message: InboundMessage) -> InboundResult:
    """Store one inbound message: a reply on the sender's open conversation or a new ticket."""
    known = seen(account, message.external_id)
    if known is not None:
        return InboundResult("duplicate", _number(known.ticket_id), _("this message was already received"))
    kind = IDENTITY_OF[account.kind]
    address = contacts.normalize(kind, message.sender)
    contact = contacts.contact_for(kind, address, name=message.sender_name, user=message.user)
    if message.email:
        try:
            contacts.add_identity(contact, "email", message.email)
        except ValidationError:
            pass  # that address is another customer's record: staff can merge them
    kept, notes = _attachments(message.attachments)
    body = (message.body or "").strip() or (_("(attachment)") if kept else _("(empty message)"))
    ticket = open_conversation(account, address)
    channel = CHANNEL_OF[account.kind]
    requester = message.user if message.user is not None and getattr(message.user, "email_verified", False) else None
    if ticket is not None:
        stored = tickets.add_reply(ticket, body=body, author=requester if requester and requester.id ==
                                   ticket.requester_id else None, channel=channel, attachments=kept,
                                   trusted_sender=True, external_id=message.external_id[:255], meta=message.meta)
        outcome = "reply"
    else:
        group = db.session.get(TicketGroup, account.group_id) if account.group_id else None
        ticket = tickets.open_ticket(
            subject=message.subject or _subject(account, body, message.sender_name or address), body=body,
            channel=channel, requester=requester, email=(message.email or None) if requester is None else None,
            name=message.sender_name or address, attachments=kept, group=group, contact_id=contact.id,
            channel_account_id=account.id, channel_address=address, external_id=message.external_id[:255],
            meta=message.meta)
        stored = _first(ticket)
        outcome = "new_ticket"
    target = db.session.get(Ticket, stored.ticket_id)
    if target.contact_id is None:
        target.contact_id = contact.id
    for note in notes:
        tickets.add_system_message(target, note, public=False)
    record_event(account, message.external_id, "message", outcome, ticket_id=target.id)
    return InboundResult(outcome, target.number, _("new conversation") if outcome == "new_ticket" else
                         _("added to the open conversation"), stored.id)


def _number(ticket_id):
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    return ticket.number if ticket else None


def _first(ticket):
    from portal.tickets.models import TicketMessage

    return db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                             .order_by(TicketMessage.id).limit(1))


def _subject(account: ChannelAccount, body: str, who: str) -> str:
    first = " ".join(body.split())[:80]
    return first or _("Message from %(who)s", who=who)


def _attachments(items) -> tuple[list, list[str]]:
    """The media the web limits accept; each refused one becomes a note for the agent."""
    kept, notes = [], []
    for name, data in items:
        try:
            files.check_files([(name, io.BytesIO(data))])
        except ValidationError as exc:
            notes.append(_("%(name)s was not kept: %(reason)s", name=name, reason=exc.message))
            continue
        kept.append((name, io.BytesIO(data)))
    return kept, notes
