"""Outgoing mail: queued in the caller's transaction, delivered by the worker after it commits.

Without MAIL_SERVER (the embedded default) each mail is written to instance/outbox/ as .eml.
A failed delivery is retried with backoff; its error stays on the mail ("not delivered, retry").
"""
import enum
import os
import uuid
from datetime import datetime
from email.utils import make_msgid

from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db, mail
from portal.jobs import services as jobs
from portal.models_base import utcnow


class MailStatus(str, enum.Enum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMail(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    message_id: Mapped[str] = mapped_column(String(255), index=True)  # threading looks replies up by it
    status: Mapped[MailStatus] = mapped_column(Enum(MailStatus, native_enum=False, length=10),
                                               default=MailStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    eml_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # The ticket a mail is about: the outbox shows it only to staff who may see that ticket.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    ticket_message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_message.id", ondelete="SET NULL"),
                                                          index=True)
    sender: Mapped[str | None] = mapped_column(String(320))  # From; MAIL_DEFAULT_SENDER when empty
    reply_to: Mapped[str | None] = mapped_column(String(320))
    cc: Mapped[list | None] = mapped_column(JSON, default=list)
    attachment_ids: Mapped[list | None] = mapped_column(JSON, default=list)  # ticket attachments sent with it


def queue_email(*, to: str, template: str, subject: str, headers: dict | None = None,
                message_id: str | None = None, sender: str | None = None, reply_to: str | None = None,
                cc=(), attachment_ids=(), **context) -> OutgoingMail:
    """Render templates/email/<template>.txt and .html and queue the mail in this transaction."""
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    text = render_template(f"email/{template}.txt", **context)
    try:
        html = render_template(f"email/{template}.html", **context)
    except Exception:  # a text-only template is allowed
        html = None
    domain = current_app.config.get("MAIL_DOMAIN") or "comptoir.localhost"
    ticket, message = context.get("ticket"), context.get("message")
    item = OutgoingMail(to=to, subject=subject, text=text, html=html, headers=headers or {},
                        message_id=message_id or make_msgid(domain=domain), ticket_id=getattr(ticket, "id", None),
                        ticket_message_id=getattr(message, "id", None) if context.get("record_delivery") else None,
                        sender=sender, reply_to=reply_to, cc=list(cc), attachment_ids=list(attachment_ids))
    db.session.add(item)
    db.session.flush()
    jobs.enqueue("mail.deliver", mail_id=item.id, max_attempts=current_app.config["MAIL_MAX_ATTEMPTS"])
    return item


def requeue(item: OutgoingMail) -> bool:
    """Queue a mail that was not delivered again (an agent's "retry"); False when there is nothing to redo."""
    if item.status != MailStatus.FAILED:
        return False
    item.status = MailStatus.QUEUED
    jobs.enqueue("mail.deliver", mail_id=item.id, max_attempts=current_app.config["MAIL_MAX_ATTEMPTS"])
    return True


def mark_undelivered(item: OutgoingMail, error: str) -> None:
    """A mail the recipient's server returned (a bounce): failed, with the server's reason."""
    item.status, item.error = MailStatus.FAILED, error[:500]
    db.session.flush()


def build_message(item: OutgoingMail) -> Message:
    msg = Message(subject=item.subject, recipients=[item.to], body=item.text, html=item.html,
                  sender=item.sender or current_app.config["MAIL_DEFAULT_SENDER"], cc=list(item.cc or []),
                  reply_to=item.reply_to, extra_headers=dict(item.headers or {}))
    msg.msgId = item.message_id
    for attachment_id in item.attachment_ids or []:
        _attach(msg, attachment_id)
    return msg


def _attach(msg: Message, attachment_id: int) -> None:
    from portal.tickets import attachments
    from portal.tickets.models import TicketAttachment

    attachment = db.session.get(TicketAttachment, attachment_id)
    data = attachments.read(attachment) if attachment is not None else None
    if data is not None:
        msg.attach(attachment.original_name, attachment.content_type, data)


@jobs.task("mail.deliver", max_attempts=8)
def deliver_mail(mail_id: int) -> None:
    """Send one queued mail (or write it to the outbox); raises so the worker retries on failure."""
    item = db.session.get(OutgoingMail, mail_id)
    if item is None or item.status == MailStatus.SENT:
        return
    try:
        _send(item)
    except Exception as exc:
        _record_failure(mail_id, exc)
        raise
    item.status, item.sent_at, item.error = MailStatus.SENT, utcnow(), None


def _record_failure(mail_id: int, exc: Exception) -> None:
    """Keep the error on the mail even though the job's own transaction rolls back."""
    current_app.logger.warning("mail %s failed: %s", mail_id, exc)
    with Session(db.engine) as session:
        item = session.get(OutgoingMail, mail_id)
        item.status, item.error = MailStatus.FAILED, f"{type(exc).__name__}: {exc}"[:500]
        session.commit()


def _send(item: OutgoingMail) -> None:
    msg = build_message(item)
    if current_app.config.get("MAIL_SERVER"):
        mail.send(msg)
        return
    outbox = current_app.config["OUTBOX_PATH"]
    os.makedirs(outbox, exist_ok=True)
    name = f"{item.created_at:%Y%m%d-%H%M%S}-{item.id}-{uuid.uuid4().hex[:6]}.eml"
    with open(os.path.join(outbox, name), "wb") as fh:
        fh.write(msg.as_bytes())
    item.eml_name = name


def init_app(app):
    mail.init_app(app)
