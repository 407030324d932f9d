"""The platform-neutral shape every connector produces and the services store."""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


@dataclass
class ItemData:
    title: str
    quantity: int = 1
    unit_price: Decimal = Decimal("0")
    sku: str | None = None
    variant: str | None = None
    image_url: str | None = None
    external_id: str | None = None


@dataclass
class ShipmentData:
    external_id: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    status: str = "shipped"
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    estimated_delivery: datetime | None = None


@dataclass
class RefundData:
    amount: Decimal
    created_at: datetime
    reason: str | None = None
    external_id: str | None = None


@dataclass
class OrderData:
    external_id: str
    number: str
    placed_at: datetime
    updated_at: datetime
    email: str = ""
    customer_name: str = ""
    currency: str = "EUR"
    subtotal: Decimal = Decimal("0")
    shipping_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    financial_status: str = "pending"
    fulfillment_status: str = "unfulfilled"
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    shipping_address: dict = field(default_factory=dict)
    billing_address: dict = field(default_factory=dict)
    note: str | None = None
    platform_status: str | None = None  # the shop's own status words, for agents
    tags: list[str] = field(default_factory=list)
    items: list[ItemData] = field(default_factory=list)
    shipments: list[ShipmentData] | None = None  # None: the payload says nothing about shipments
    refunds: list[RefundData] | None = None


def tag_list(value) -> list[str]:
    """Tags from a comma-separated string (Shopify's "tags") or a list: trimmed, each once, in order."""
    parts = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    tags: list[str] = []
    for part in parts:
        tag = " ".join(str(part).split())[:100]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def money(value) -> Decimal:
    """Exact decimal from a string or number in a payload ("59.90", 59.9); never through float maths.

    Rounded half up to cents (BigCommerce sends four decimals); NaN and infinities are refused."""
    if value in (None, ""):
        return Decimal("0.00")
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


def utc(value) -> datetime | None:
    """A naive UTC datetime from an ISO 8601 string (with offset or Z) or an RFC 2822 date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError):
                raise ValueError(f"not a date: {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed
