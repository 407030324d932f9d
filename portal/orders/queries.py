"""Read side of orders: a customer's orders, the order page, guest lookup, staff search, the status timeline."""
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.inputs import parse_id
from portal.orders.models import FinancialStatus, FulfillmentStatus, Order, Shipment
from portal.permissions import store_ids


def _full():
    return (joinedload(Order.store), selectinload(Order.items), selectinload(Order.shipments),
            selectinload(Order.refunds))


def _listed():
    """What a list row shows: the store, and the shipments and refunds its status is computed from."""
    return joinedload(Order.store), selectinload(Order.shipments), selectinload(Order.refunds)


def customer_orders(user, limit: int = 50) -> list[Order]:
    """Orders matched to the customer's verified address, newest first."""
    if not user.email_verified:
        return []
    return list(db.session.scalars(select(Order).options(*_listed())
                                   .where(Order.customer_id == user.id, Order.deleted_at.is_(None))
                                   .order_by(Order.placed_at.desc()).limit(limit)))


def customer_order(user, order_id) -> Order | None:
    order_id = parse_id(order_id)
    if order_id is None:
        return None
    return db.session.scalar(select(Order).options(*_full()).where(
        Order.id == order_id, Order.customer_id == user.id, Order.deleted_at.is_(None)))


def guest_order(number: str, email: str) -> Order | None:
    """The order with this number and address, or None (never says which part was wrong)."""
    number = (number or "").strip().lstrip("#")
    email = (email or "").strip().lower()
    if not number or not email:
        return None
    return db.session.scalar(select(Order).options(*_full()).where(
        Order.number == number, Order.email == email, Order.deleted_at.is_(None)))


def visible_to(viewer) -> list:
    """WHERE clauses keeping the orders of the stores `viewer` may see ([] without a viewer or a limit)."""
    ids = store_ids(viewer) if viewer is not None else None
    return [] if ids is None else [Order.store_id.in_(sorted(ids))]


def order_by_id(order_id, viewer=None) -> Order | None:
    """The order, or None when it does not exist or is of a store `viewer` may not see."""
    order_id = parse_id(order_id)
    if order_id is None:
        return None
    return db.session.scalar(select(Order).options(*_full()).where(Order.id == order_id, *visible_to(viewer)))


def search(q: str, limit: int = 50, viewer=None) -> list[Order]:
    """Staff search by order number, email (or its start), name prefix or tracking number, newest first.

    Each alternative is served by an index, so SQLite merges index lookups (MULTI-INDEX OR) instead of
    reading every order: emails are stored lowercased, so an email prefix is a range of ix_order_email_placed;
    the name prefix is a LIKE that ix_order_customer_name_nocase serves (on PostgreSQL, lower() LIKE and
    ix_order_customer_name_lower). Orders of stores `viewer` may not see are left out.
    """
    q = (q or "").strip().lstrip("#")
    if not q:
        return []
    like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    tracked = select(Shipment.order_id).where(Shipment.tracking_number == q)
    if db.session.get_bind().dialect.name == "postgresql":  # served by ix_order_customer_name_lower
        name = func.lower(Order.customer_name).like(f"{like.lower()}%", escape="\\")
    else:
        name = Order.customer_name.like(f"{like}%", escape="\\")
    condition = or_(Order.number == q, Order.id.in_(tracked), _starts_with(Order.email, q.lower()), name)
    return list(db.session.scalars(select(Order).options(*_listed()).where(condition, *visible_to(viewer))
                                   .order_by(Order.placed_at.desc()).limit(limit)))


def _starts_with(column, prefix: str):
    """`column` starts with `prefix` (case-sensitive), as a range an ordinary index can serve."""
    following = ord(prefix[-1]) + 1
    if following > 0x10FFFF:
        return column.startswith(prefix, autoescape=True)
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters; UTF-8 order goes on at U+E000
        following = 0xE000
    return and_(column >= prefix, column < prefix[:-1] + chr(following))


def recent_orders_for(email: str, user_id: int | None, limit: int = 5) -> list[Order]:
    who = Order.customer_id == user_id if user_id else Order.email == email
    return list(db.session.scalars(select(Order).options(joinedload(Order.store)).where(who, Order.deleted_at.is_(None))
                                   .order_by(Order.placed_at.desc()).limit(limit)))


@dataclass
class Step:
    key: str
    at: datetime | None
    done: bool


CAPTURED = (FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED, FinancialStatus.REFUNDED)
# The payment step names where the money stands: only money actually charged reads "paid".
PAYMENT_STEPS = {FinancialStatus.AUTHORIZED: "authorized", FinancialStatus.PARTIALLY_PAID: "partially_paid",
                 FinancialStatus.FAILED: "payment_failed"}


def _payment_step(order: Order) -> Step:
    key = PAYMENT_STEPS.get(order.financial_status, "paid")
    return Step(key, None, key != "paid" or order.financial_status in CAPTURED)


def timeline(order: Order) -> list[Step]:
    """placed → paid (or authorized, partially paid, payment failed) → shipped → delivered, or ending in
    cancelled / refunded."""
    shipped = [s.shipped_at for s in order.shipments if s.shipped_at]
    delivered = [s.delivered_at for s in order.shipments if s.delivered_at]
    steps = [Step("placed", order.placed_at, True), _payment_step(order),
             Step("shipped", min(shipped) if shipped else None,
                  bool(order.shipments) or order.fulfillment_status != FulfillmentStatus.UNFULFILLED),
             Step("delivered", max(delivered) if delivered else None,
                  bool(order.shipments) and all(s.status == "delivered" for s in order.shipments))]
    if order.cancelled_at:
        return steps[:2] + [Step("cancelled", order.cancelled_at, True)]
    if order.financial_status == FinancialStatus.REFUNDED:
        refunds = [r.created_at for r in order.refunds]
        steps.append(Step("refunded", max(refunds) if refunds else None, True))
    return steps


# The status keys of an order that is still to be shipped (a failed payment is not: it waits on the customer).
BEFORE_SHIPPING = ("placed", "authorized", "partially_paid", "paid")


def status_key(order: Order) -> str:
    """One word for lists: cancelled, refunded, delivered, shipped, paid, partially_paid, authorized,
    payment_failed or placed."""
    done = [s.key for s in timeline(order) if s.done]
    return done[-1]


def local_time(order: Order, value: datetime | None) -> datetime | None:
    """A stored UTC time in the store's time zone."""
    if value is None:
        return None
    from datetime import timezone

    return value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(order.store.timezone or "UTC"))


def status_label(order: Order) -> str:
    """The order's current step in the reader's language."""
    return str(STATUS_LABELS[status_key(order)])


def _labels():
    from flask_babel import lazy_gettext as _l

    return {"placed": _l("Placed"), "authorized": _l("Payment authorized"), "partially_paid": _l("Partly paid"),
            "payment_failed": _l("Payment failed"), "paid": _l("Paid"), "shipped": _l("Shipped"),
            "delivered": _l("Delivered"), "cancelled": _l("Cancelled"), "refunded": _l("Refunded")}


STATUS_LABELS = _labels()
