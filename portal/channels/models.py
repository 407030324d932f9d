"""What every messaging channel shares: the connected accounts, the record of each provider event (for
idempotency and the settings page), opted-out addresses, customer records with their identities, and the
live-chat sessions with their event log (the fan-out every web worker reads)."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import utcnow

KINDS = ("sms", "whatsapp", "messenger", "instagram", "chat", "phone")


class ChannelAccount(db.Model):
    """One connected channel: a Twilio number, a WhatsApp number, a Facebook page, an Instagram account,
    a chat widget, a phone system. `settings` holds what may be shown; `secrets_encrypted` what may not."""

    __tablename__ = "channel_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # one of KINDS
    name: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(default=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_group.id", ondelete="SET NULL"))
    # The account's own address at the provider (a phone number, a page id, a phone-number id): one per kind.
    address: Mapped[str] = mapped_column(String(120), default="")
    settings: Mapped[dict | None] = mapped_column(JSON, default=dict)
    secrets_encrypted: Mapped[str | None] = mapped_column(Text)  # Fernet of a JSON object
    last_event_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_channel_account_kind_address", "kind", "address"),)


class ChannelEvent(db.Model):
    """One provider delivery (a message, a status, a call): stored once per provider id, with its outcome."""

    __tablename__ = "channel_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_account.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))  # message | status | call | opt_out | ...
    outcome: Mapped[str] = mapped_column(String(20), default="")  # new_ticket | reply | status | ignored | ...
    reason: Mapped[str] = mapped_column(String(300), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("account_id", "external_id", name="uq_channel_event_account_external"),
                      Index("ix_channel_event_account_created", "account_id", "created_at"))


class ChannelOptOut(db.Model):
    """An address that asked for no more messages on an account (SMS STOP), until it opts in again."""

    __tablename__ = "channel_opt_out"
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_account.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Contact(db.Model):
    """One customer across channels: their account (if any), email addresses, phone numbers, social ids."""

    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    identities: Mapped[list["ContactIdentity"]] = relationship(
        back_populates="contact", order_by="ContactIdentity.id", cascade="all, delete-orphan")

    def identity(self, kind: str) -> str | None:
        return next((i.value for i in self.identities if i.kind == kind), None)


class ContactIdentity(db.Model):
    """How a contact is reached on one channel: email, phone (E.164), whatsapp, messenger, instagram, chat."""

    __tablename__ = "contact_identity"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="identities")

    __table_args__ = (UniqueConstraint("kind", "value", name="uq_contact_identity_kind_value"),)


class ChatSession(db.Model):
    """A visitor's conversation in the chat widget; the visitor holds a secret token, we keep its hash."""

    __tablename__ = "chat_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("channel_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    visitor_name: Mapped[str] = mapped_column(String(120), default="")
    visitor_email: Mapped[str | None] = mapped_column(String(254))
    page_url: Mapped[str | None] = mapped_column(String(500))
    locale: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | ended
    visitor_typing_until: Mapped[datetime | None]
    agent_typing_until: Mapped[datetime | None]
    visitor_seen_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatEvent(db.Model):
    """Everything a chat's two sides must see, in order: clients ask for the events after the last id they
    have (SSE or polling), so any web worker on any machine can serve them."""

    __tablename__ = "chat_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_session.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # message | typing | status | ended
    data: Mapped[dict | None] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_chat_event_session_id", "session_id", "id"),)
