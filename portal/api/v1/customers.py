"""/api/v1/customers: customer records across channels (portal/channels/contacts.py is their service) with
their tickets in the user's scope and their orders by any of their email addresses."""
from flask import Blueprint
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.api import present
from portal.api.errors import ApiError
from portal.api.pagination import keyset
from portal.api.routing import operation, reply
from portal.api.schemas import customers as schemas
from portal.channels import contacts
from portal.channels.customers import queries
from portal.channels.models import Contact

bp = Blueprint("customers", __name__)
TAG = "Customers"


def _record(customer_id) -> Contact:
    """The record (following merges to the one kept), or 404."""
    contact = queries.kept(queries.contact_by_id(customer_id))
    if contact is None:
        raise ApiError(404, _("We could not find that customer."))
    return contact


def _detail(call, contact) -> dict:
    data = present.customer(contact, queries.account_of(contact))
    data["tickets"] = [present.ticket(t) for t in queries.tickets_for(contact, call.user, limit=50)]
    data["orders"] = [present.order_summary(o, payments=call.can("orders.payments"))
                      for o in queries.orders_of(contact, limit=20, viewer=call.user)]
    return data


@bp.get("/customers")
@operation(scope="customers:read", operation_id="listCustomers", tag=TAG, response=schemas.CustomerList,
           query=schemas.CustomerQuery)
def list_customers(call):
    """List or search customers.

    With `q`, the best matches by name, email or phone (one page, no cursor); without it every record,
    oldest first."""
    q = call.query
    if q.q:
        found = queries.search(q.q, limit=q.limit)
        return {"data": [present.customer(c, queries.account_of(c)) for c in found], "next_cursor": None}
    query = select(Contact).where(Contact.merged_into_id.is_(None)).options(selectinload(Contact.identities))
    rows, cursor = keyset(query, Contact, ("id",), (int,), cursor=q.cursor, limit=q.limit)
    return {"data": [present.customer(c, queries.account_of(c)) for c in rows], "next_cursor": cursor}


@bp.get("/customers/<int:customer_id>")
@operation(scope="customers:read", operation_id="getCustomer", tag=TAG, response=schemas.CustomerDetail,
           errors=(404,))
def get_customer(call, customer_id):
    """Show a customer with their tickets and orders.

    A record merged into another answers with the one it was merged into (look at `id`)."""
    return _detail(call, _record(customer_id))


@bp.post("/customers")
@operation(scope="customers:write", operation_id="createCustomer", tag=TAG, response=schemas.CustomerDetail,
           status=201, body=schemas.CustomerCreate, errors=(409,), fields={"value": "identities", "kind": "identities"})
def create_customer(call):
    """Create a customer record.

    An email address, number or id already on another record is refused with 409: merge them instead."""
    contact = contacts.create_contact(name=call.body.name,
                                      identities=[(i.kind, i.value) for i in call.body.identities])
    return reply(_detail(call, contact), status=201,
                 headers={"Location": f"/api/v1/customers/{contact.id}"})


@bp.patch("/customers/<int:customer_id>")
@operation(scope="customers:write", operation_id="updateCustomer", tag=TAG, response=schemas.CustomerDetail,
           body=schemas.CustomerUpdate, errors=(404,),
           fields={"value": "add_identities", "kind": "add_identities"})
def update_customer(call, customer_id):
    """Rename a customer or add ways to reach them."""
    contact = _record(customer_id)
    if call.sent("name") and call.body.name is not None:
        contacts.rename(contact, call.body.name)
    for identity in call.body.add_identities:
        contacts.add_identity(contact, identity.kind, contacts.checked(identity.kind, identity.value))
    return _detail(call, contact)
