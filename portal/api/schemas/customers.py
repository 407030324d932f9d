"""Customer records across channels, and the shop orders they placed."""
from typing import Literal

from pydantic import Field

from portal.api.schemas import Body, Out, PageQuery, UtcTime
from portal.api.schemas.tickets import Ticket, UserRef

IdentityKind = Literal["email", "phone", "whatsapp", "messenger", "instagram", "chat"]


class Identity(Out):
    kind: IdentityKind
    value: str


class Customer(Out):
    id: int
    name: str
    account: UserRef | None = Field(description="Their customer account, if they have one.")
    identities: list[Identity] = Field(description="Email addresses, phone numbers (E.164) and messaging ids.")
    created_at: UtcTime
    updated_at: UtcTime


class Money(Out):
    amount: str = Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Decimal, as text: \"54.89\".")
    currency: str


class OrderSummary(Out):
    id: int
    number: str
    store: str
    email: str
    customer_name: str
    status: Literal["placed", "authorized", "partially_paid", "payment_failed", "paid", "shipped", "delivered",
                    "cancelled", "refunded"]
    financial_status: str | None = Field(description="The payment state; null unless the token's user may see "
                                                      "payments and refunds.")
    fulfillment_status: str
    total: Money
    placed_at: UtcTime
    updated_at: UtcTime = Field(description="When the shop last changed it.")


class CustomerDetail(Customer):
    tickets: list[Ticket] = Field(description="Their 50 latest tickets that the token's user may see.")
    orders: list[OrderSummary] = Field(description="Their 20 latest orders, by any of their email addresses.")


class CustomerList(Out):
    data: list[Customer]
    next_cursor: str | None


class CustomerQuery(PageQuery):
    q: str | None = Field(None, min_length=2, max_length=200,
                          description="Name, email or phone number (emails and numbers by their start).")


class IdentityIn(Body):
    kind: IdentityKind
    value: str = Field(max_length=254)


class CustomerCreate(Body):
    name: str = Field("", max_length=120)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class CustomerUpdate(Body):
    name: str | None = Field(None, max_length=120)
    add_identities: list[IdentityIn] = Field(default_factory=list, max_length=20,
                                             description="More ways to reach them (one already on another "
                                                         "customer's record is refused: merge them instead).")


class OrderItem(Out):
    title: str
    sku: str | None
    variant: str | None
    quantity: int
    unit_price: Money


class Shipment(Out):
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    shipped_at: UtcTime | None
    delivered_at: UtcTime | None
    estimated_delivery: UtcTime | None


class Refund(Out):
    amount: Money
    reason: str | None
    created_at: UtcTime


class OrderDetail(OrderSummary):
    store_id: int
    external_id: str
    subtotal: Money
    shipping_total: Money
    tax_total: Money
    cancelled_at: UtcTime | None
    cancel_reason: str | None
    shipping_address: dict
    billing_address: dict
    items: list[OrderItem]
    shipments: list[Shipment]
    refunds: list[Refund] | None = Field(description="Null unless the token's user may see payments and refunds.")
    deleted: bool = Field(description="Deleted in the shop (kept here for its tickets).")


class OrderList(Out):
    data: list[OrderSummary]
    next_cursor: str | None


class OrderQuery(PageQuery):
    """Newest first. `q` searches like the desk (number, email start, name start, tracking number)."""

    email: str | None = Field(None, max_length=254)
    number: str | None = Field(None, max_length=64)
    store: int | None = Field(None, ge=1)
    customer: int | None = Field(None, ge=1, description="A customer record id: orders by any of its emails.")
    q: str | None = Field(None, min_length=1, max_length=200)
