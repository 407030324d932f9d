"""Mailboxes (where mail comes in and goes out) and the record of every inbound message."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import utcnow


class Mailbox(db.Model):
    """A support address: IMAP settings to fetch from (optional), the identity replies go out with."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(254), unique=True)  # support@shop.example
    from_name: Mapped[str] = mapped_column(String(120), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_group.id", ondelete="SET NULL"))
    enabled: Mapped[bool] = mapped_column(default=True)
    imap_host: Mapped[str | None] = mapped_column(String(200))
    imap_port: Mapped[int] = mapped_column(default=993)
    imap_security: Mapped[str] = mapped_column(String(10), default="ssl")  # ssl | starttls | none
    imap_username: Mapped[str | None] = mapped_column(String(200))
    imap_password_encrypted: Mapped[str | None] = mapped_column(Text)
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    processed_action: Mapped[str] = mapped_column(String(10), default="flag")  # flag | move
    processed_folder: Mapped[str] = mapped_column(String(200), default="Processed")
    imap_uidvalidity: Mapped[int | None]
    imap_last_uid: Mapped[int | None]
    last_polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)  # inbound-parse webhook signature
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def sender(self) -> str:
        from email.utils import formataddr

        return formataddr((self.from_name or "", self.address))


class InboundEmail(db.Model):
    """One message received (whatever became of it): its ids for threading and dedupe, flags, raw file."""

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(400), unique=True)  # synthetic when the mail had none
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    ticket_message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_message.id", ondelete="SET NULL"),
                                                          index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # new_ticket | reply | ignored
    reason: Mapped[str] = mapped_column(String(200), default="")
    from_email: Mapped[str] = mapped_column(String(254), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    to: Mapped[list | None] = mapped_column(JSON, default=list)
    cc: Mapped[list | None] = mapped_column(JSON, default=list)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400), default="")
    flags: Mapped[list | None] = mapped_column(JSON, default=list)  # auth_failed, reply_to_differs, ...
    raw_name: Mapped[str | None] = mapped_column(String(200))  # under instance/mail/raw/
    size: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket_message = relationship("TicketMessage")

    __table_args__ = (Index("ix_inbound_email_from_received", "from_email", "received_at"),)


class EmailParticipant(db.Model):
    """Someone besides the requester in an email conversation (a CC the customer added)."""

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
