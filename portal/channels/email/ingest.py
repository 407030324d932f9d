"""One ingest function for every way mail comes in (MTA pipe, IMAP, inbound-parse webhook).

Parsing is a pure function of the raw bytes (parsing.py); storing goes through tickets.services, in
the caller's transaction: the caller commits once, so a message is stored whole or not at all.
"""
import io
import os
import uuid
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from portal import ratelimit
from portal.accounts.queries import user_by_email
from portal.channels import contacts
from portal.channels.email import machines, parsing, quotes, threading
from portal.channels.email.models import InboundEmail, Mailbox
from portal.errors import ValidationError
from portal.extensions import db
from portal.markup import sanitize_email_html
from portal.models_base import utcnow
from portal.tickets import attachments as files
from portal.tickets import services as tickets
from portal.tickets.models import Channel, Ticket


@dataclass(frozen=True)
class IngestResult:
    outcome: str  # new_ticket | reply | ignored | duplicate
    ticket: int | None
    reason: str

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "ticket": self.ticket, "reason": self.reason}


def ingest(raw: bytes, *, mailbox: Mailbox | None = None, to_address: str | None = None) -> IngestResult:
    """Store one raw RFC 5322 message: a new ticket, a reply, or nothing (machines, loops, duplicates).

    Flushes only; the caller commits. Raises only for storage failures (the caller answers "try again").
    """
    limit = current_app.config["MAIL_INBOUND_MAX_BYTES"]
    if len(raw) > limit:
        return IngestResult("ignored", None, _("message larger than %(mb)d MB", mb=limit // (1024 * 1024)))
    parsed = parsing.parse_email(raw, received_at=utcnow())
    message_id = parsed.message_id or f"<synthetic-{uuid.uuid4().hex}@comptoir.invalid>"
    known = db.session.query(InboundEmail).filter_by(message_id=message_id).first()
    if known is not None:
        return IngestResult("duplicate", _number(known.ticket_id), _("this message was already received"))
    mailbox = mailbox or _mailbox_for(to_address, parsed)
    own = _own_addresses()
    record = InboundEmail(message_id=message_id, mailbox_id=getattr(mailbox, "id", None), from_email=parsed.from_email,
                          from_name=parsed.from_name[:200], to=[list(p) for p in parsed.to],
                          cc=[list(p) for p in parsed.cc], reply_to=parsed.reply_to_email, subject=parsed.subject[:400],
                          flags=_flags(parsed), size=len(raw), raw_name=_keep_raw(raw), outcome="ignored")
    # The record joins the session once complete: one INSERT, and no flush of it by the lookups on the way.
    refusal = _refusal(parsed, record, own)
    if refusal:
        record.reason = refusal
        result = IngestResult("ignored", _number(record.ticket_id), refusal)
    else:
        result = _store(parsed, record, mailbox, own)
        record.outcome, record.reason = result.outcome, result.reason
    db.session.add(record)
    db.session.flush()
    return result


def _number(ticket_id: int | None) -> int | None:
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    return ticket.number if ticket else None


def _mailbox_for(to_address: str | None, parsed) -> Mailbox | None:
    """The mailbox the message was sent to: --to, else the first of its To/Cc we know."""
    candidates = [to_address.lower()] if to_address else [email for _name, email in parsed.to + parsed.cc]
    for address in candidates:
        mailbox = db.session.query(Mailbox).filter_by(address=_base_address(address)).first()
        if mailbox is not None:
            return mailbox
    return None


def _base_address(address: str) -> str:
    """support+t1042@shop.example -> support@shop.example (plus-addressed Reply-To)."""
    local, _, domain = (address or "").lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _flags(parsed) -> list[str]:
    flags = []
    if machines.authentication(parsed).failed:
        flags.append("auth_failed")
    if parsed.reply_to_email and parsed.reply_to_email != parsed.from_email:
        flags.append("reply_to_differs")
    return flags


def _keep_raw(raw: bytes) -> str:
    """Write the original message under instance/mail/raw/ ("show original"); returns its name."""
    now = utcnow()
    name = f"{now:%Y/%m}/{now:%d%H%M%S}-{uuid.uuid4().hex}.eml"
    path = os.path.join(current_app.config["MAIL_RAW_PATH"], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "xb") as fh:
        fh.write(raw)
    return name


def raw_path(record: InboundEmail) -> str | None:
    if not record.raw_name or ".." in record.raw_name:
        return None
    return os.path.join(current_app.config["MAIL_RAW_PATH"], record.raw_name)


def _own_addresses() -> set[str]:
    from email.utils import parseaddr

    own = {address for (address,) in db.session.query(Mailbox.address)}
    own.add(parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].lower())
    return own


def _refusal(parsed, record: InboundEmail, own: set[str]) -> str | None:
    """Why this message must create nothing and be answered by nothing (None when it is a person's mail)."""
    if not parsed.from_email:
        return _("no sender address")
    kind = machines.classify(parsed)
    if kind.kind == "bounce":
        _record_bounce(parsed, kind, record)
        return _("bounce: %(reason)s", reason=kind.reason)
    if kind.kind == "auto_reply":
        return _("automatic reply: %(reason)s", reason=kind.reason)
    if kind.kind == "bulk":
        return _("bulk or list mail: %(reason)s", reason=kind.reason)
    if parsed.from_email in own or _base_address(parsed.from_email) in own:
        return _("mail claiming to come from our own support address")
    limit = current_app.config["MAIL_INBOUND_MAX_PER_HOUR_SENDER"]
    if not ratelimit.allow([("inbound-sender", parsed.from_email, limit)], window_seconds=3600):
        return _("more than %(num)d messages from this sender in an hour (mail loop?)", num=limit)
    return None


def _record_bounce(parsed, kind, record: InboundEmail) -> None:
    """A bounce of one of our mails is noted on its ticket for the agent, and the mail marked undelivered."""
    from portal.mail import OutgoingMail, mark_undelivered

    bounced = getattr(kind, "bounced_message_id", None)
    mail = db.session.query(OutgoingMail).filter_by(message_id=bounced).first() if bounced else None
    if mail is None:
        return
    detail = (getattr(kind, "diagnostic", None) or kind.reason or "")[:300]
    if not kind.delayed:  # a delay warning leaves the mail as sent: the server is still trying
        mark_undelivered(mail, _("Bounced: %(detail)s", detail=detail))
    ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
    if ticket is not None:
        record.ticket_id = ticket.id
        note = (_("Our mail to %(email)s is delayed; the receiving server is still trying: %(detail)s",
                  email=mail.to, detail=detail) if kind.delayed else
                _("Our mail to %(email)s was not delivered: %(detail)s", email=mail.to, detail=detail))
        tickets.add_system_message(ticket, note, public=False)


def _store(parsed, record: InboundEmail, mailbox: Mailbox | None, own: set[str]) -> IngestResult:
    body, body_html = _bodies(parsed)
    kept, meta, notes = _attachments(parsed)
    ticket = threading.resolve(threading.ticket_by_message_ids(parsed.in_reply_to + parsed.references) or
                               threading.ticket_by_token(quotes.ticket_token(parsed.subject), parsed.from_email))
    requester = user_by_email(parsed.from_email)
    requester = requester if requester is not None and requester.email_verified else None
    if ticket is not None:
        message = tickets.add_reply(ticket, body=body, author=requester if requester and requester.id ==
                                    ticket.requester_id else None, channel=Channel.EMAIL, attachments=kept,
                                    guest_email=parsed.from_email, trusted_sender=True, body_html=body_html,
                                    external_id=record.message_id[:255])
        outcome = "reply"
    else:
        ticket = tickets.open_ticket(subject=quotes.clean_subject(parsed.subject) or _("(no subject)"), body=body,
                                     channel=Channel.EMAIL, requester=requester, email=parsed.from_email,
                                     name=parsed.from_name, attachments=kept, mailbox_id=getattr(mailbox, "id", None),
                                     group=_group(mailbox), body_html=body_html, external_id=record.message_id[:255])
        message = _first_message(ticket)
        outcome = "new_ticket"
    _finish(record, message, parsed, meta, notes, own)
    return IngestResult(outcome, db.session.get(Ticket, message.ticket_id).number,
                        _("replied by headers or token") if outcome == "reply" else _("new conversation"))


def _first_message(ticket: Ticket):
    from portal.tickets.models import TicketMessage

    return db.session.query(TicketMessage).filter_by(ticket_id=ticket.id).order_by(TicketMessage.id).first()


def _group(mailbox: Mailbox | None):
    from portal.tickets.models import TicketGroup

    return db.session.get(TicketGroup, mailbox.group_id) if mailbox and mailbox.group_id else None


def _bodies(parsed) -> tuple[str, str | None]:
    """What the customer wrote (quotes of earlier mail removed), as text and as safe HTML."""
    text = quotes.strip_quotes(parsed.text or "").new_text.strip()
    html = sanitize_email_html(quotes.strip_html_quotes(parsed.html)) if parsed.html else None
    if not text and parsed.html:
        text = quotes.html_to_text(quotes.strip_html_quotes(parsed.html)).strip()
    return text or _("(This email had no text.)"), html or None


def _attachments(parsed) -> tuple[list, list, list[str]]:
    """The attachments the web limits accept; each refused one becomes a note instead of a refused mail."""
    kept, notes, meta = [], [], []
    max_files = current_app.config["TICKET_ATTACHMENT_MAX_FILES"]
    for attachment in parsed.attachments:
        name = attachment.filename or "attachment"
        if len(kept) >= max_files:
            notes.append(_("%(name)s was not kept: at most %(num)d files per message.", name=name, num=max_files))
            continue
        try:
            files.check_files([(name, io.BytesIO(attachment.data))])
        except ValidationError as exc:
            notes.append(_("%(name)s was not kept: %(reason)s", name=name, reason=exc.message))
            continue
        kept.append((name, io.BytesIO(attachment.data)))
        meta.append(attachment)
    return kept, meta, notes


def _finish(record: InboundEmail, message, parsed, meta, notes, own: set[str]) -> None:
    """Link the record, mark inline images, keep CC participants, and note what was dropped."""
    record.ticket_id, record.ticket_message_id = message.ticket_id, message.id
    for stored, source in zip(message.attachments if meta else (), meta):
        stored.content_id, stored.inline = source.content_id, bool(source.inline)
    ticket = db.session.get(Ticket, message.ticket_id)
    if ticket.contact_id is None and ticket.requester_email:  # the requester's record (a Cc'd replier is not it)
        sender = parsed.from_email == ticket.requester_email
        ticket.contact_id = contacts.contact_for("email", ticket.requester_email,
                                                 name=parsed.from_name if sender else ticket.requester_name).id
    threading.add_participants(ticket, parsed.cc + [p for p in parsed.to], exclude=own)
    for note in notes:
        tickets.add_system_message(ticket, note, public=False)
    db.session.flush()
