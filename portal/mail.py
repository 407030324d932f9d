"""Outgoing mail: queued in the caller's transaction, delivered only after it commits.

Without MAIL_SERVER (the embedded default) each mail is written to instance/outbox/ as .eml.
"""
import enum
import os
import uuid
from datetime import datetime
from email.utils import make_msgid

from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy import JSON, Enum, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db, mail
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
    message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[MailStatus] = mapped_column(Enum(MailStatus, native_enum=False, length=10),
                                               default=MailStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    eml_name: Mapped[str | None] = mapped_column(String(200))
    # The ticket a mail is about: the outbox shows it only to staff who may see that ticket.
    ticket_id: Mapped[int | None] = mapped_column(db.ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def queue_email(*, to: str, template: str, subject: str, headers: dict | None = None,
                message_id: str | None = None, **context) -> OutgoingMail:
    """Render templates/email/<template>.txt and .html and queue the mail in this transaction."""
    context.setdefault("site_name", current_app.config["SITE_NAME"])
    text = render_template(f"email/{template}.txt", **context)
    try:
        html = render_template(f"email/{template}.html", **context)
    except Exception:  # a text-only template is allowed
        html = None
    domain = current_app.config.get("MAIL_DOMAIN") or "comptoir.localhost"
    ticket = context.get("ticket")
    item = OutgoingMail(to=to, subject=subject, text=text, html=html, headers=headers or {},
                        message_id=message_id or make_msgid(domain=domain),
                        ticket_id=getattr(ticket, "id", None))
    db.session.add(item)
    db.session.flush()
    db.session.info.setdefault("queued_mail", []).append(item.id)
    return item


def build_message(item: OutgoingMail) -> Message:
    msg = Message(subject=item.subject, recipients=[item.to], body=item.text, html=item.html,
                  sender=current_app.config["MAIL_DEFAULT_SENDER"], extra_headers=dict(item.headers or {}))
    msg.msgId = item.message_id
    return msg


def deliver(ids) -> None:
    """Send (or write to the outbox) the given queued mails, in a session of their own."""
    with Session(db.engine) as session:
        for item in session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(list(ids)))):
            if item.status == MailStatus.SENT:
                continue
            try:
                _send(item)
                item.status, item.sent_at, item.error = MailStatus.SENT, utcnow(), None
            except Exception as exc:  # keep it queued for `portal mail retry`
                current_app.logger.warning("mail %s to %s failed: %s", item.id, item.to, exc)
                item.status, item.error = MailStatus.FAILED, str(exc)[:500]
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


def retry_failed() -> int:
    """Try again every mail that is queued or failed; returns how many were attempted."""
    ids = list(db.session.scalars(select(OutgoingMail.id).where(OutgoingMail.status != MailStatus.SENT)))
    deliver(ids)
    return len(ids)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    ids = session.info.pop("queued_mail", None)
    if ids:
        deliver(ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("queued_mail", None)


def init_app(app):
    mail.init_app(app)
