"""/api/v1/orders: the shops' orders as synced (read only: the shop is where orders change)."""
from flask import Blueprint
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.api import present
from portal.api.errors import ApiError
from portal.api.pagination import keyset
from portal.api.routing import operation
from portal.api.schemas import customers as schemas
from portal.channels import contacts
from portal.channels.customers import queries as customer_queries
from portal.orders import queries
from portal.orders.models import Order

bp = Blueprint("orders", __name__)
TAG = "Orders"


def _conditions(q, call) -> list:
    out = [Order.deleted_at.is_(None), *queries.visible_to(call.user)]
    if q.email:
        out.append(Order.email == q.email.strip().lower())
    if q.number:
        out.append(Order.number == q.number.strip().lstrip("#"))
    if q.store:
        out.append(Order.store_id == q.store)
    if q.customer:
        contact = customer_queries.kept(customer_queries.contact_by_id(q.customer))
        if contact is None:
            raise ApiError(422, _("We could not find that customer."), field="customer")
        emails = contacts.emails(contact)
        who = ([Order.email.in_(emails)] if emails else []) + \
            ([Order.customer_id == contact.user_id] if contact.user_id else [])
        out.append(or_(*who) if who else Order.id.is_(None))
    return out


@bp.get("/orders")
@operation(scope="orders:read", operation_id="listOrders", tag=TAG, response=schemas.OrderList,
           query=schemas.OrderQuery)
def list_orders(call):
    """List orders, newest first.

    `q` searches as the desk does and answers one page (no cursor); the other filters combine."""
    q, payments = call.query, call.can("orders.payments")
    if q.q:
        found = queries.search(q.q, limit=q.limit, viewer=call.user)
        return {"data": [present.order_summary(o, payments=payments) for o in found], "next_cursor": None}
    query = (select(Order).where(*_conditions(q, call))
             .options(joinedload(Order.store), selectinload(Order.shipments), selectinload(Order.refunds)))
    rows, cursor = keyset(query, Order, ("id",), (int,), cursor=q.cursor, limit=q.limit, descending=True)
    return {"data": [present.order_summary(o, payments=payments) for o in rows], "next_cursor": cursor}


@bp.get("/orders/<int:order_id>")
@operation(scope="orders:read", operation_id="getOrder", tag=TAG, response=schemas.OrderDetail, errors=(404,))
def get_order(call, order_id):
    """Show an order with its items, shipments and refunds (payment state and refunds are null unless the
    token's user may see payments)."""
    order = queries.order_by_id(order_id, viewer=call.user)
    if order is None:
        raise ApiError(404, _("We could not find that order."))
    return present.order(order, payments=call.can("orders.payments"))
