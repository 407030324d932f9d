"""The read side of webhooks: the delivery log of a subscription, for its page and `portal webhooks deliveries`."""
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.webhooks.models import DeliveryStatus, OutgoingAttempt, OutgoingDelivery

LOG_SIZE = 50


def attempts(subscription_id: int, *, limit: int = LOG_SIZE) -> list[OutgoingAttempt]:
    """The latest attempts, newest first, each with its delivery (event type, status)."""
    return list(db.session.scalars(select(OutgoingAttempt).where(OutgoingAttempt.subscription_id == subscription_id)
                                   .options(selectinload(OutgoingAttempt.delivery))
                                   .order_by(OutgoingAttempt.id.desc()).limit(limit)))


def deliveries(subscription_id: int, *, limit: int = LOG_SIZE) -> list[tuple[OutgoingDelivery, list[OutgoingAttempt]]]:
    """The latest deliveries, newest first, each with its attempts in order."""
    rows = list(db.session.scalars(select(OutgoingDelivery).where(OutgoingDelivery.subscription_id == subscription_id)
                                   .order_by(OutgoingDelivery.id.desc()).limit(limit)))
    tried = {}
    if rows:
        for attempt in db.session.scalars(select(OutgoingAttempt).where(
                OutgoingAttempt.delivery_id.in_([d.id for d in rows])).order_by(OutgoingAttempt.id)):
            tried.setdefault(attempt.delivery_id, []).append(attempt)
    return [(delivery, tried.get(delivery.id, [])) for delivery in rows]


def waiting(subscription_id: int) -> int:
    """Deliveries not sent yet: waiting for their first attempt or for a retry."""
    return db.session.scalar(select(func.count(OutgoingDelivery.id)).where(
        OutgoingDelivery.subscription_id == subscription_id,
        OutgoingDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.RETRYING)))) or 0
