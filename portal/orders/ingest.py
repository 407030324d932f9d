"""Webhook deliveries: checked (size, type, signature, JSON), idempotent by delivery id, then applied."""
import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal.errors import DomainError
from portal.extensions import db
from portal.models_base import utcnow
from portal.orders import services
from portal.orders.models import Platform, Store, WebhookDelivery
from portal.orders.platforms import get as platform_module
from portal.orders.rest import ShopApiError


class WebhookRejected(DomainError):
    """A delivery we refuse; `status` is the HTTP answer (401, 400, 404, 413, 415; 502 asks the shop to retry)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def receive(*, platform: str, store_id: int, headers, raw: bytes, content_type: str | None,
            content_length: int | None = None) -> tuple[int, str]:
    """Check and apply one delivery; returns (HTTP status, outcome). Rejections store nothing."""
    store = db.session.get(Store, store_id)
    if store is None or platform not in Platform._value2member_map_ or store.platform.value != platform \
            or platform == "manual":
        raise WebhookRejected(404, "Unknown store or platform.")
    if len(raw) > current_app.config["WEBHOOK_MAX_BYTES"] or (content_length or 0) > current_app.config["WEBHOOK_MAX_BYTES"]:
        raise WebhookRejected(413, "The body is larger than the configured limit.")
    module = platform_module(platform)
    mime = (content_type or "").split(";")[0].strip().lower()
    if platform == "woocommerce" and mime == "application/x-www-form-urlencoded" and raw.startswith(b"webhook_id="):
        return 200, "ping"  # WooCommerce pings a new webhook with a form body before any signed delivery
    if mime != "application/json":
        raise WebhookRejected(415, "Expected application/json.")
    if not module.verify(services.webhook_secret(store) or "", raw, headers):
        raise WebhookRejected(401, "Missing or invalid signature.")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise WebhookRejected(400, "The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "The body must be a JSON object.")
    delivery = module.delivery_id(headers, raw)
    topic = module.topic(headers) or (module.topic_from(payload) if hasattr(module, "topic_from") else "")
    if not delivery:
        raise WebhookRejected(400, "Missing delivery id header.")
    if db.session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.store_id == store.id,
                                                          WebhookDelivery.delivery_id == delivery)):
        return 200, "duplicate"
    try:
        outcome = _apply(store, module, topic, payload)
    except (KeyError, TypeError, ValueError) as exc:
        db.session.rollback()
        raise WebhookRejected(400, f"The payload is not a {platform} {topic or 'order'}: {exc}") from None
    except ShopApiError as exc:  # BigCommerce: the order could not be fetched; not recorded, so a retry applies it
        db.session.rollback()
        raise WebhookRejected(502, f"Could not fetch the order from the shop's API: {exc}") from None
    db.session.add(WebhookDelivery(store_id=store.id, delivery_id=delivery[:128], topic=topic[:80], outcome=outcome,
                                   payload=raw.decode("utf-8", "replace")))
    store.last_delivery_at, store.last_delivery_status = utcnow(), f"{topic}: {outcome}"[:200]
    purge_payloads()  # keep raw payloads only WEBHOOK_PAYLOAD_DAYS (an indexed update, cheap)
    db.session.flush()
    return 200, outcome


def _apply(store, module, topic: str, payload: dict) -> str:
    name = store.platform.value
    if topic not in module.TOPICS:
        return f"ignored topic {topic!r}"
    if name == "shopify":
        if topic.startswith("fulfillments/"):
            return services.apply_shipment(store, str(payload["order_id"]), module.parse_shipment(payload))
        if topic == "refunds/create":
            return services.apply_refund(store, str(payload["order_id"]), module.parse_refund(payload))
        return services.upsert_order(store, module.parse_order(payload))[1]
    if name == "woocommerce":
        if topic == "order.deleted":
            return services.mark_deleted(store, str(payload["id"]))
        return services.upsert_order(store, module.parse_order(payload))[1]
    if name == "bigcommerce":
        from portal.orders import sync

        order_id = module.order_id_from(payload)
        if order_id is None:
            return "ignored: no order id"
        return services.upsert_order(store, sync.fetch_bigcommerce_order(store, order_id))[1]
    return "ignored"


def purge_payloads(days: int | None = None) -> int:
    """Forget raw payloads older than WEBHOOK_PAYLOAD_DAYS (the delivery ids stay, for idempotency)."""
    from sqlalchemy import update

    days = current_app.config["WEBHOOK_PAYLOAD_DAYS"] if days is None else days
    cutoff = utcnow() - timedelta(days=days)
    return db.session.execute(update(WebhookDelivery).where(WebhookDelivery.received_at < cutoff,
                                                            WebhookDelivery.payload.is_not(None))
                              .values(payload=None).execution_options(synchronize_session=False)).rowcount


def forget_deliveries(days: int = 90) -> int:
    cutoff = utcnow() - timedelta(days=days)
    return db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.received_at < cutoff)).rowcount
