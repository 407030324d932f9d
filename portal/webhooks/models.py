"""Webhook subscriptions, the deliveries queued for them and every attempt at sending one."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import enum_column, utcnow


class DisabledReason(str, enum.Enum):
    MANAGER = "manager"
    FAILURES = "failures"  # WEBHOOKS_DISABLE_AFTER_FAILURES deliveries failed in a row


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for its first attempt
    RETRYING = "retrying"  # an attempt failed; the next one is scheduled
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt failed, or the address was refused
    SKIPPED = "skipped"  # the subscription was disabled before it could be sent


class WebhookSubscription(db.Model):
    """A receiver URL and the events it wants; its signing secret is encrypted at rest."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(JSON, default=list)
    include_notes: Mapped[bool] = mapped_column(default=False)  # message.created also for internal notes
    secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)  # failed deliveries since the last success
    disabled_reason: Mapped[DisabledReason | None] = mapped_column(enum_column(DisabledReason))
    disabled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))  # of the last delivery that failed for good
    last_success_at: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutgoingDelivery(db.Model):
    """One event for one subscription: the exact body sent on every attempt, and where it stands."""

    __tablename__ = "webhook_outgoing_delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # X-Comptoir-Delivery, the same on every retry
    event_id: Mapped[str] = mapped_column(String(36))  # the same for every subscription of one event
    event_type: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None]  # no foreign key: the log outlives a deleted ticket
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    is_test: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    subscription: Mapped[WebhookSubscription] = relationship()

    __table_args__ = (Index("ix_webhook_outgoing_delivery_subscription", "subscription_id", "id"),
                      Index("ix_webhook_outgoing_delivery_created", "created_at"))


class OutgoingAttempt(db.Model):
    """One POST of a delivery: when, the receiver's status code, how long it took, what went wrong."""

    __tablename__ = "webhook_outgoing_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_outgoing_delivery.id", ondelete="CASCADE"),
                                             index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)  # 1 for the first attempt of the delivery, 2 for the retry...
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    duration_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))

    delivery: Mapped[OutgoingDelivery] = relationship()

    __table_args__ = (Index("ix_webhook_outgoing_attempt_subscription", "subscription_id", "id"),)
