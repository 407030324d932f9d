"""Orders: store connections, storing orders from any connector (order-safe), customer and ticket links.

Every entry point (webhooks, backfill, CSV import, CLI, staff pages) calls these; they flush, callers commit.
"""
import re
import secrets as pysecrets

from flask_babel import gettext as _
from sqlalchemy import select

from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.orders import crypto
from portal.orders.data import OrderData, RefundData, ShipmentData
from portal.orders.models import (
    FinancialStatus, FulfillmentStatus, Order, OrderItem, Platform, Refund, Shipment, Store,
)


# --- stores -------------------------------------------------------------------------------------

def create_store(*, platform: str, name: str, domain: str, webhook_secret: str | None = None,
                 api_url: str | None = None, api_token: str | None = None, timezone: str = "UTC") -> Store:
    """Connect a shop; secrets are stored encrypted. ValidationError names the field."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if platform not in Platform._value2member_map_:
        raise ValidationError(_("Choose shopify, woocommerce, bigcommerce or manual."), field="platform")
    name, domain = (name or "").strip(), (domain or "").strip().lower().removeprefix("https://").rstrip("/")
    if not name:
        raise ValidationError(_("Give the store a name."), field="name")
    if not domain or " " in domain:
        raise ValidationError(_("Enter the shop's domain, like myshop.example.com."), field="domain")
    if platform != "manual" and not (webhook_secret or "").strip():
        raise ValidationError(_("Enter the webhook secret shown by the shop."), field="webhook_secret")
    if api_url and not re.match(r"^https?://", api_url):
        raise ValidationError(_("The API URL must start with http:// or https://."), field="api_url")
    try:
        ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone (use a name like Europe/Paris)."), field="timezone") from None
    store = Store(platform=Platform(platform), name=name[:120], domain=domain[:200], timezone=timezone or "UTC",
                  api_url=(api_url or "").rstrip("/") or None, api_token_encrypted=crypto.encrypt(api_token),
                  webhook_secret_encrypted=crypto.encrypt((webhook_secret or "").strip() or None))
    db.session.add(store)
    db.session.flush()
    return store


def get_store(store_id) -> Store:
    store = db.session.get(Store, int(store_id)) if str(store_id).isdigit() else None
    if store is None:
        raise NotFound(_("No store with id %(id)s.", id=store_id))
    return store


def webhook_secret(store: Store) -> str | None:
    return crypto.decrypt(store.webhook_secret_encrypted)


def api_token(store: Store) -> str | None:
    return crypto.decrypt(store.api_token_encrypted)


def rotate_secret(store: Store, new_secret: str | None = None) -> str:
    """Replace the webhook secret (generated if not given); returns it once so it can be pasted in the shop."""
    value = (new_secret or "").strip() or pysecrets.token_urlsafe(32)
    store.webhook_secret_encrypted = crypto.encrypt(value)
    db.session.flush()
    return value


def update_store(store: Store, *, name=None, domain=None, api_url=None, api_token=None, timezone=None) -> None:
    if name is not None and name.strip():
        store.name = name.strip()[:120]
    if domain:
        store.domain = domain.strip().lower()[:200]
    if api_url is not None:
        store.api_url = api_url.rstrip("/") or None
    if api_token:
        store.api_token_encrypted = crypto.encrypt(api_token)
    if timezone:
        store.timezone = timezone
    db.session.flush()


# --- storing orders -----------------------------------------------------------------------------

def _order(store: Store, external_id: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.store_id == store.id, Order.external_id == str(external_id)))


def upsert_order(store: Store, data: OrderData) -> tuple[Order, str]:
    """Create or update an order; an update older than what we hold is ignored (returns outcome "stale")."""
    order = _order(store, data.external_id)
    if order is not None and order.platform_updated_at and data.updated_at and \
            data.updated_at < order.platform_updated_at:
        return order, "stale"
    created = order is None
    if created:
        order = Order(store_id=store.id, external_id=data.external_id)
        db.session.add(order)
    _copy_fields(order, data)
    order.synced_at = utcnow()
    order.items = [OrderItem(**vars(item)) for item in data.items]
    if data.shipments is not None:
        _replace_shipments(order, data.shipments)
    if data.refunds is not None:
        order.refunds = [Refund(**vars(r)) for r in data.refunds]
    _link_customer(order)
    db.session.flush()
    return order, "created" if created else "updated"


def _copy_fields(order: Order, data: OrderData) -> None:
    for name in ("number", "email", "customer_name", "placed_at", "currency", "subtotal", "shipping_total",
                 "tax_total", "total", "cancelled_at", "shipping_address", "billing_address"):
        setattr(order, name, getattr(data, name))
    order.platform_updated_at = data.updated_at or data.placed_at
    order.financial_status = FinancialStatus(data.financial_status)
    order.fulfillment_status = FulfillmentStatus(data.fulfillment_status)
    # What the shop says in its own words, kept for agents: the note, the cancel reason, the status, the tags.
    order.note = str(data.note or "").strip() or None
    order.cancel_reason = str(data.cancel_reason or "").strip()[:200] or None
    order.platform_status = str(data.platform_status or "").strip()[:100] or None
    order.tags = list(data.tags)


def _replace_shipments(order: Order, shipments: list[ShipmentData]) -> None:
    known = {s.external_id: s for s in order.shipments if s.external_id}
    keep = []
    for data in shipments:
        row = known.get(data.external_id) or Shipment()
        for key, value in vars(data).items():
            setattr(row, key, value)
        keep.append(row)
    order.shipments = keep


def apply_shipment(store: Store, order_external_id: str, data: ShipmentData) -> str:
    """A fulfillment created or updated on its own (Shopify fulfillments/* topics)."""
    order = _order(store, order_external_id)
    if order is None:
        return "unknown order"
    existing = next((s for s in order.shipments if s.external_id == data.external_id), None)
    if existing is None:
        order.shipments.append(Shipment(**vars(data)))
    else:
        for key, value in vars(data).items():
            if value is not None:
                setattr(existing, key, value)
    if order.fulfillment_status == FulfillmentStatus.UNFULFILLED and data.status != "cancelled":
        order.fulfillment_status = FulfillmentStatus.FULFILLED
    db.session.flush()
    return "shipment"


def apply_refund(store: Store, order_external_id: str, data: RefundData) -> str:
    """A refund created on its own (Shopify refunds/create); the financial status follows."""
    order = _order(store, order_external_id)
    if order is None:
        return "unknown order"
    if not any(r.external_id == data.external_id for r in order.refunds):
        order.refunds.append(Refund(**vars(data)))
    db.session.flush()
    refunded = order.refunded_total
    if refunded > 0:  # a restock-only refund moves no money
        order.financial_status = (FinancialStatus.REFUNDED if refunded >= order.total
                                  else FinancialStatus.PARTIALLY_REFUNDED)
    db.session.flush()
    return "refund"


def mark_deleted(store: Store, external_id: str) -> str:
    order = _order(store, external_id)
    if order is None:
        return "unknown order"
    order.deleted_at = utcnow()
    db.session.flush()
    return "deleted"


def _link_customer(order: Order) -> None:
    from portal.accounts.models import User

    if order.email:
        user = db.session.scalar(select(User).where(User.email == order.email, User.email_verified_at.is_not(None)))
        order.customer_id = user.id if user else None


def claim_orders(user) -> int:
    """Attach orders placed with this (verified) address to the account."""
    orders = db.session.scalars(select(Order).where(Order.email == user.email, Order.customer_id.is_(None))).all()
    for order in orders:
        order.customer_id = user.id
    db.session.flush()
    return len(orders)


def _on_email_verified(user, **_):
    claim_orders(user)


def init_app(app):
    from portal.orders.queries import local_time
    from portal.signals import email_verified

    email_verified.connect(_on_email_verified)
    app.jinja_env.globals["order_time"] = local_time


def ensure_unique_store_name(name: str) -> None:
    if db.session.scalar(select(Store.id).where(Store.name == name)):
        raise Conflict(_("A store with this name already exists."), field="name")


def check_lookup_rate(ip: str) -> None:
    """RateLimited after ORDER_LOOKUP_MAX_PER_HOUR guest lookups from one IP; records this one."""
    from datetime import timedelta

    from flask import current_app
    from sqlalchemy import func

    from portal.errors import RateLimited
    from portal.orders.models import OrderLookup

    since = utcnow() - timedelta(hours=1)
    count = db.session.scalar(select(func.count()).where(OrderLookup.ip == ip, OrderLookup.created_at >= since))
    if count >= current_app.config["ORDER_LOOKUP_MAX_PER_HOUR"]:
        raise RateLimited(_("Too many lookups from your connection. Please try again in an hour, or log in to see "
                            "your orders."))
    db.session.add(OrderLookup(ip=ip))
    db.session.flush()


def log_follow_up(order: Order, *, actor, subject: str, note: str):
    """Keep a conversation with a carrier or supplier about `order`: an on-hold ticket assigned to `actor`,
    linked to the order, holding `note` as an internal note (nothing is mailed to the customer)."""
    from flask_babel import gettext as _

    from portal.tickets import services as ticket_services
    from portal.tickets.models import Channel, Status

    subject = " ".join((subject or "").split()) or _("Carrier or supplier follow-up")
    ticket = ticket_services.open_ticket(
        subject=f"{subject[:180]} (#{order.number})", channel=Channel.STAFF, actor=actor, notify=False,
        body=_("Internal follow-up about order #%(number)s.", number=order.number),
        email=order.email or actor.email, name=order.customer_name, order_id=order.id, store_id=order.store_id)
    ticket_services.assign(ticket, actor, actor=actor)
    ticket_services.add_note(ticket, body=note, actor=actor)
    ticket_services.change_status(ticket, Status.ON_HOLD, actor=actor)
    return ticket
