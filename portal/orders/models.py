"""Stores, orders with items, shipments and refunds, and the webhook deliveries received."""
import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models_base import enum_column, utcnow

MONEY = Numeric(14, 2, asdecimal=True)


class Platform(str, enum.Enum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    BIGCOMMERCE = "bigcommerce"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return str(PLATFORM_LABELS[self])


PLATFORM_LABELS = {Platform.SHOPIFY: "Shopify", Platform.WOOCOMMERCE: "WooCommerce",
                   Platform.BIGCOMMERCE: "BigCommerce", Platform.MANUAL: _l("Other (CSV import)")}


class FinancialStatus(str, enum.Enum):
    PENDING = "pending"
    AUTHORIZED = "authorized"  # the bank holds the amount; nothing is charged until the shop captures it
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    FAILED = "failed"  # declined, or never went through: nothing was charged

    @property
    def label(self) -> str:
        """The payment state as agents read it."""
        return str(FINANCIAL_LABELS[self.value])

    @property
    def customer_label(self) -> str:
        """The payment state as the customer reads it."""
        return str(CUSTOMER_FINANCIAL_LABELS[self.value])


# The "payment" context: French agrees these with "paiement", the order steps with "commande".
FINANCIAL_LABELS = {
    "pending": _l("Payment pending"), "authorized": _l("Authorized, not captured"),
    "partially_paid": lazy_pgettext("payment", "Partially paid"), "paid": lazy_pgettext("payment", "Paid"),
    "partially_refunded": lazy_pgettext("payment", "Partially refunded"),
    "refunded": lazy_pgettext("payment", "Refunded"), "voided": lazy_pgettext("payment", "Voided"),
    "failed": _l("Payment failed"),
}
CUSTOMER_FINANCIAL_LABELS = {
    **FINANCIAL_LABELS, "authorized": _l("Payment authorized, not charged yet"),
    "voided": _l("Payment cancelled"),
}
# Why an order was cancelled, in the words Shopify's admin uses for its cancel_reason values.
CANCEL_REASON_LABELS = {
    "customer": _l("The customer changed or cancelled the order"), "declined": _l("Payment declined"),
    "fraud": _l("Fraudulent order"), "inventory": _l("Items unavailable"), "staff": _l("Staff error"),
    "other": _l("Other"),
}


class FulfillmentStatus(str, enum.Enum):
    UNFULFILLED = "unfulfilled"
    PARTIAL = "partial"
    FULFILLED = "fulfilled"


class Store(db.Model):
    """A shop connection; credentials and the webhook secret are encrypted at rest."""
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, 20))
    name: Mapped[str] = mapped_column(String(120))
    domain: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")
    api_url: Mapped[str | None] = mapped_column(String(300))
    api_token_encrypted: Mapped[str | None] = mapped_column(Text)
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    sync_cursor: Mapped[dict] = mapped_column(JSON, default=dict)  # resumable backfill position
    last_delivery_at: Mapped[datetime | None]
    last_delivery_status: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(db.Model):
    __tablename__ = "shop_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254), default="")
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime]
    platform_updated_at: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    subtotal: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    shipping_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    financial_status: Mapped[FinancialStatus] = mapped_column(enum_column(FinancialStatus, 20),
                                                              default=FinancialStatus.PENDING)
    fulfillment_status: Mapped[FulfillmentStatus] = mapped_column(enum_column(FulfillmentStatus, 20),
                                                                  default=FulfillmentStatus.UNFULFILLED)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    shipping_address: Mapped[dict] = mapped_column(JSON, default=dict)
    billing_address: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)  # the customer's note at checkout, often a delivery instruction
    platform_status: Mapped[str | None] = mapped_column(String(100))  # the shop's own words: "on-hold"
    tags: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")  # the shop's order tags
    deleted_at: Mapped[datetime | None]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    store: Mapped[Store] = relationship()
    items: Mapped[list["OrderItem"]] = relationship(cascade="all, delete-orphan", order_by="OrderItem.id")
    shipments: Mapped[list["Shipment"]] = relationship(cascade="all, delete-orphan", order_by="Shipment.id")
    refunds: Mapped[list["Refund"]] = relationship(cascade="all, delete-orphan", order_by="Refund.id")

    __table_args__ = (
        UniqueConstraint("store_id", "external_id", name="uq_order_store_external"),
        Index("ix_order_email_placed", "email", "placed_at"),
        Index("ix_order_customer_placed", "customer_id", "placed_at"),
        Index("ix_order_number", "number"),
    )

    @property
    def refunded_total(self) -> Decimal:
        return sum((r.amount for r in self.refunds), Decimal("0"))

    @property
    def cancel_reason_label(self) -> str | None:
        """The cancel reason in the reader's language when it is a known one, else as the shop sent it."""
        if not self.cancel_reason:
            return None
        return str(CANCEL_REASON_LABELS.get(self.cancel_reason, self.cancel_reason))


# Staff search by name prefix: SQLite serves `customer_name LIKE 'abc%'` (case-insensitive for ASCII) from an
# index only when the index uses NOCASE; without it the search read every order (bench/orders.py).
Index("ix_order_customer_name_nocase", Order.customer_name.collate("NOCASE")).ddl_if(dialect="sqlite")
# PostgreSQL: the same search as lower(customer_name) LIKE 'abc%', whatever the database's collation.
Index("ix_order_customer_name_lower", func.lower(Order.customer_name).label("customer_name_lower"),
      postgresql_ops={"customer_name_lower": "text_pattern_ops"}).ddl_if(dialect="postgresql")


class OrderItem(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    variant: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    image_url: Mapped[str | None] = mapped_column(String(500))


# Shipment statuses as the shops send them (Shopify's shipment_status; "shipped" otherwise).
# The "shipment" context: a parcel's status (French agrees it with "colis", an order's with "commande").
SHIPMENT_LABELS = {
    "shipped": lazy_pgettext("shipment", "Shipped"), "confirmed": _l("Confirmed by the carrier"),
    "label_printed": _l("Label printed"), "label_purchased": _l("Label purchased"), "in_transit": _l("In transit"),
    "out_for_delivery": _l("Out for delivery"), "attempted_delivery": _l("Delivery attempted"),
    "ready_for_pickup": _l("Ready for pickup"), "delivered": lazy_pgettext("shipment", "Delivered"),
    "failure": _l("Delivery failed"), "cancelled": lazy_pgettext("shipment", "Cancelled"),
}


class Shipment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100), index=True)
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(40), default="shipped")
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    estimated_delivery: Mapped[datetime | None]

    @property
    def status_label(self) -> str:
        """The carrier's status in the reader's language (unknown ones as sent, without underscores)."""
        return str(SHIPMENT_LABELS.get(self.status, (self.status or "").replace("_", " ")))


class Refund(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]


class WebhookDelivery(db.Model):
    """One accepted delivery: its id makes replays harmless; the raw payload is kept for diagnosis."""
    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id", ondelete="CASCADE"))
    delivery_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("store_id", "delivery_id", name="uq_delivery_store_id"),
                      Index("ix_webhook_delivery_received", "received_at"))


class OrderLookup(db.Model):
    """Guest order-status lookups, for the rate limit per IP."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_order_lookup_ip", "ip", "created_at"),)
