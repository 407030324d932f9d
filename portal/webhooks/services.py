"""Webhook subscriptions and their deliveries: the one write path for the settings page, the CLI and the worker.

A delivery is queued in the transaction of the change it reports (events.py) and sent by the worker, one
attempt per job: a failed attempt schedules the next after the job queue's backoff (30 s, 2 min, 8 min...)
until WEBHOOKS_MAX_ATTEMPTS; WEBHOOKS_DISABLE_AFTER_FAILURES deliveries failing in a row disable the
subscription, with the reason shown to managers.
"""
import secrets
import uuid
from datetime import timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inputs import parse_id
from portal.jobs import services as jobs
from portal.models_base import utcnow
from portal.orders import crypto
from portal.webhooks import payloads, transport
from portal.webhooks.models import (
    DeliveryStatus, DisabledReason, OutgoingAttempt, OutgoingDelivery, WebhookSubscription,
)

OPEN = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


# --- subscriptions --------------------------------------------------------------------------------

def get_subscription(subscription_id) -> WebhookSubscription:
    """The subscription with this id, or NotFound."""
    found = db.session.get(WebhookSubscription, parse_id(str(subscription_id)) or 0)
    if found is None:
        raise NotFound(_("No such webhook."))
    return found


def all_subscriptions() -> list[WebhookSubscription]:
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.name,
                                                                        WebhookSubscription.id)))


def _clean(*, name: str, url: str, events) -> tuple[str, str, list[str]]:
    """Validated values, or ValidationError on the field (name, url, events)."""
    name, url = (name or "").strip(), (url or "").strip()
    if not name:
        raise ValidationError(_("Give the webhook a name."), field="name")
    if len(name) > 80:
        raise ValidationError(_("The name is too long (at most 80 characters)."), field="name")
    check_url(url)
    asked = set(events or ())
    chosen = [e for e in payloads.EVENT_TYPES if e in asked]
    if not chosen or len(chosen) != len(asked):
        raise ValidationError(_("Choose at least one event from the list."), field="events")
    return name, url, chosen


URL_ERRORS = {
    "scheme": lambda: _("Enter an http:// or https:// URL."),
    "host": lambda: _("Enter a complete URL, such as https://shop.example/hooks/comptoir."),
    "credentials": lambda: _("Leave the user name and password out of the URL: every delivery is signed instead."),
    "private": lambda: _("This address is on a private network or this machine; deliveries go only to public "
                         "addresses (see WEBHOOKS_ALLOW_PRIVATE_ADDRESSES)."),
}


def check_url(url: str) -> None:
    """ValidationError on "url" for an address deliveries would refuse (names are checked again after DNS)."""
    if not url:
        raise ValidationError(_("Enter the URL that receives the events."), field="url")
    if len(url) > 500:
        raise ValidationError(_("The URL is too long (at most 500 characters)."), field="url")
    try:
        transport.check_url(url, allow_private=current_app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"])
    except transport.Refused as exc:
        raise ValidationError(URL_ERRORS[exc.code](), field="url") from None


def create_subscription(*, name: str, url: str, events, include_notes: bool = False) -> tuple[WebhookSubscription, str]:
    """Subscribe a URL to events; returns it with its new signing secret (shown once, stored encrypted)."""
    name, url, chosen = _clean(name=name, url=url, events=events)
    secret = new_secret()
    subscription = WebhookSubscription(name=name, url=url, events=chosen, include_notes=bool(include_notes),
                                       secret_encrypted=crypto.encrypt(secret), enabled=True,
                                       created_at=utcnow(), updated_at=utcnow())
    db.session.add(subscription)
    db.session.flush()
    return subscription, secret


def update_subscription(subscription: WebhookSubscription, *, name: str, url: str, events,
                        include_notes: bool = False) -> WebhookSubscription:
    """Change the name, URL, events and the internal-notes choice (the secret stays)."""
    subscription.name, subscription.url, subscription.events = _clean(name=name, url=url, events=events)
    subscription.include_notes, subscription.updated_at = bool(include_notes), utcnow()
    db.session.flush()
    return subscription


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def secret_of(subscription: WebhookSubscription) -> str | None:
    return crypto.decrypt(subscription.secret_encrypted)


def rotate_secret(subscription: WebhookSubscription) -> str:
    """A new signing secret (returned once); the old one stops at once, retries included."""
    secret = new_secret()
    subscription.secret_encrypted, subscription.updated_at = crypto.encrypt(secret), utcnow()
    db.session.flush()
    return secret


def set_enabled(subscription: WebhookSubscription, enabled: bool,
                reason: DisabledReason = DisabledReason.MANAGER) -> None:
    """Turn deliveries on (the failure count starts again) or off (queued retries are skipped)."""
    subscription.enabled, subscription.updated_at = enabled, utcnow()
    subscription.consecutive_failures = 0 if enabled else subscription.consecutive_failures
    subscription.disabled_reason = None if enabled else reason
    subscription.disabled_at = None if enabled else utcnow()
    db.session.flush()


def delete_subscription(subscription: WebhookSubscription) -> None:
    """Remove the subscription with its delivery log; jobs still queued for it find nothing to send."""
    db.session.delete(subscription)
    db.session.flush()


# --- queueing -------------------------------------------------------------------------------------

def queue_change(change, *, seen: set | None = None) -> int:
    """Queue one delivery per subscription that wants each event of a ticket change; returns how many."""
    from portal.tickets.models import Ticket
    from portal.webhooks.events import events_of

    ticket = db.session.get(Ticket, change.ticket_id)
    found = events_of(change, seen) if ticket is not None else []
    wanted = [s for s in all_subscriptions() if s.enabled] if found else []
    queued = 0
    for event_type, data, internal in found:
        targets = [s for s in wanted if event_type in (s.events or ()) and (s.include_notes or not internal)]
        payload = payloads.envelope(event_type, change.occurred_at, ticket=payloads.ticket_data(ticket), **data) \
            if targets else None
        for subscription in targets:  # one event, the same body and id, for every subscription
            queue_delivery(subscription, payload, ticket_id=ticket.id)
            queued += 1
    return queued


def queue_delivery(subscription: WebhookSubscription, payload: dict, *, ticket_id: int | None = None,
                   is_test: bool = False, send: bool = True) -> OutgoingDelivery:
    """A delivery row for the payload; `send` queues its first attempt (after the commit)."""
    delivery = OutgoingDelivery(subscription_id=subscription.id, uid=str(uuid.uuid4()), event_id=payload["id"],
                                event_type=payload["type"], ticket_id=ticket_id, body=payloads.encode(payload),
                                status=DeliveryStatus.PENDING, is_test=is_test, created_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    if send:
        jobs.enqueue("webhooks.deliver", delivery_id=delivery.id)
    return delivery


def send_test_event(subscription: WebhookSubscription) -> transport.Outcome:
    """POST a webhook.test event now (also to a disabled subscription, to check it before turning it on).
    Logged like any delivery; never retried and never counted towards disabling."""
    delivery = queue_delivery(subscription, payloads.test_payload(subscription, utcnow()), is_test=True, send=False)
    outcome = attempt_delivery(delivery)
    _finish(delivery, DeliveryStatus.DELIVERED if outcome.ok else DeliveryStatus.FAILED)
    db.session.flush()
    return outcome


# --- sending --------------------------------------------------------------------------------------

def attempt_delivery(delivery: OutgoingDelivery) -> transport.Outcome:
    """POST the delivery's body once, signed now with the subscription's secret; the attempt is logged."""
    subscription = delivery.subscription
    body, started = delivery.body.encode(), utcnow()
    timestamp = int(started.replace(tzinfo=timezone.utc).timestamp())
    secret = secret_of(subscription)
    if secret is None:  # the encryption key changed: nothing we send could be verified
        outcome = transport.Outcome(None, 0, "refused: the signing secret cannot be read; rotate it", refused=True)
    else:
        headers = {"X-Comptoir-Event": delivery.event_type, "X-Comptoir-Delivery": delivery.uid,
                   **transport.signed_headers(secret, body, timestamp=timestamp)}
        outcome = transport.post(subscription.url, body, headers)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status, (outcome.error or None) and outcome.error[:500]
    attempt = OutgoingAttempt(delivery_id=delivery.id, subscription_id=subscription.id, number=delivery.attempts,
                              started_at=started, status_code=outcome.status, duration_ms=outcome.duration_ms,
                              error=delivery.last_error)
    db.session.add(attempt)
    db.session.flush()
    return outcome


@jobs.task("webhooks.deliver", max_attempts=3)
def deliver(delivery_id: int) -> None:
    """The worker's job: one attempt; then delivered, a retry scheduled after the backoff, or failed.
    (The job's own attempts only cover a crash of the worker; the receiver's failures are counted here.)"""
    delivery = db.session.get(OutgoingDelivery, delivery_id)
    if delivery is None or delivery.status not in OPEN:
        return  # deleted with its subscription, or already finished
    if not delivery.subscription.enabled:
        _finish(delivery, DeliveryStatus.SKIPPED)
        return
    outcome = attempt_delivery(delivery)
    if outcome.ok:
        _finish(delivery, DeliveryStatus.DELIVERED)
        _succeeded(delivery.subscription)
    elif outcome.refused or delivery.attempts >= current_app.config["WEBHOOKS_MAX_ATTEMPTS"]:
        _finish(delivery, DeliveryStatus.FAILED)
        _failed(delivery.subscription, outcome.error)
    else:
        retry = jobs.enqueue("webhooks.deliver", delivery_id=delivery.id,
                             delay_seconds=jobs.backoff_seconds(delivery.attempts))
        delivery.status, delivery.next_attempt_at = DeliveryStatus.RETRYING, retry.run_after


def _finish(delivery: OutgoingDelivery, status: DeliveryStatus) -> None:
    delivery.status, delivery.finished_at, delivery.next_attempt_at = status, utcnow(), None


def _succeeded(subscription: WebhookSubscription) -> None:
    db.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == subscription.id)
                       .values(consecutive_failures=0, last_success_at=utcnow()))


def _failed(subscription: WebhookSubscription, error: str) -> None:
    """One more delivery failed for good; enough in a row disable the subscription, saying why."""
    db.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == subscription.id).values(
        consecutive_failures=WebhookSubscription.consecutive_failures + 1, last_failure_at=utcnow(),
        last_error=error[:500]))
    db.session.refresh(subscription)
    limit = current_app.config["WEBHOOKS_DISABLE_AFTER_FAILURES"]
    if subscription.enabled and limit and subscription.consecutive_failures >= limit:
        set_enabled(subscription, False, DisabledReason.FAILURES)


def purge(*, days: int) -> int:
    """Delete finished deliveries (and their attempts) older than `days`; returns how many."""
    cutoff = utcnow() - timedelta(days=days)
    old = select(OutgoingDelivery.id).where(OutgoingDelivery.created_at < cutoff,
                                            OutgoingDelivery.status.not_in(OPEN))
    db.session.execute(delete(OutgoingAttempt).where(OutgoingAttempt.delivery_id.in_(old)))
    return db.session.execute(delete(OutgoingDelivery).where(OutgoingDelivery.id.in_(old))).rowcount


@jobs.task("webhooks.purge", max_attempts=2)
def purge_job() -> None:
    """Nightly: the delivery log keeps WEBHOOKS_KEEP_DAYS days."""
    purge(days=current_app.config["WEBHOOKS_KEEP_DAYS"])
