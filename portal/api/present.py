"""Objects as the API shows them: plain dicts in the shapes of portal/api/schemas, times in UTC with Z."""
from datetime import datetime

from portal.tickets.models import NUMBER_OFFSET


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with Z, to the second."""
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def user_ref(user) -> dict | None:
    return {"id": user.id, "name": user.display_name, "email": user.email} if user is not None else None


def number_of(ticket_id: int | None) -> int | None:
    return ticket_id + NUMBER_OFFSET if ticket_id else None


def ticket(row) -> dict:
    """A Ticket (with its assignee, group and tags loaded)."""
    return ticket_values(row, assignee=row.assignee, group=row.group, tags=row.tags)


def ticket_values(row, *, assignee, group, tags) -> dict:
    """A ticket from its columns (an ORM object or a plain row) and its assignee (id, name, email), group and tags."""
    return {
        "number": row.id + NUMBER_OFFSET, "subject": row.subject, "status": row.status.value,
        "priority": row.priority.value, "channel": row.channel.value, "topic": row.topic,
        "requester": {"email": row.requester_email or "", "name": row.requester_name or "",
                      "user_id": row.requester_id, "customer_id": row.contact_id},
        "assignee": {"id": assignee.id, "name": assignee.name or assignee.email.split("@")[0],
                     "email": assignee.email} if assignee is not None else None,
        "group": {"id": group.id, "name": group.name} if group is not None else None,
        "tags": list(tags), "order_id": row.order_id, "version": row.version, "message_count": row.message_count or 0,
        "merged_into": number_of(row.merged_into_id), "follow_up_of": number_of(row.follow_up_of_id),
        "created_at": iso(row.created_at), "updated_at": iso(row.updated_at), "solved_at": iso(row.solved_at),
        "closed_at": iso(row.closed_at), "sla_due_at": iso(row.sla_due_at),
    }


def message(row) -> dict:
    author = row.author
    return {
        "id": row.id, "kind": row.kind.value, "channel": row.channel.value, "body": row.body,
        "author": {"kind": row.author_kind.value, "user_id": row.author_id,
                   "name": author.display_name if author is not None else None},
        "created_at": iso(row.created_at),
        "attachments": [{"id": a.id, "name": a.original_name, "content_type": a.content_type, "size": a.size}
                        for a in row.attachments],
    }


def etag(row) -> dict:
    """The ETag header of a ticket response: its version, for If-Match."""
    return {"ETag": f'"{row.version}"'}


def money(amount, currency: str) -> dict:
    return {"amount": f"{amount:.2f}", "currency": currency}


def customer(contact, account=None) -> dict:
    return {"id": contact.id, "name": contact.name or "", "account": user_ref(account),
            "identities": [{"kind": i.kind, "value": i.value} for i in contact.identities],
            "created_at": iso(contact.created_at), "updated_at": iso(contact.updated_at)}


def order_summary(order, *, payments: bool = True) -> dict:
    """An order in lists; its payment state is null without `payments` (the "orders.payments" permission)."""
    from portal.orders.queries import status_key

    return {"id": order.id, "number": order.number, "store": order.store.name, "email": order.email or "",
            "customer_name": order.customer_name or "", "status": status_key(order),
            "financial_status": order.financial_status.value if payments else None,
            "fulfillment_status": order.fulfillment_status.value,
            "total": money(order.total, order.currency), "placed_at": iso(order.placed_at),
            "updated_at": iso(order.platform_updated_at)}


def order(row, *, payments: bool = True) -> dict:
    """An order with its items and shipments; payment state and refunds are null without `payments`."""
    data = order_summary(row, payments=payments)
    data.update({
        "store_id": row.store_id, "external_id": row.external_id,
        "subtotal": money(row.subtotal, row.currency), "shipping_total": money(row.shipping_total, row.currency),
        "tax_total": money(row.tax_total, row.currency), "cancelled_at": iso(row.cancelled_at),
        "cancel_reason": row.cancel_reason, "shipping_address": row.shipping_address or {},
        "billing_address": row.billing_address or {}, "deleted": row.deleted_at is not None,
        "items": [{"title": i.title, "sku": i.sku, "variant": i.variant, "quantity": i.quantity,
                   "unit_price": money(i.unit_price, row.currency)} for i in row.items],
        "shipments": [{"carrier": s.carrier, "tracking_number": s.tracking_number, "tracking_url": s.tracking_url,
                       "status": s.status, "shipped_at": iso(s.shipped_at), "delivered_at": iso(s.delivered_at),
                       "estimated_delivery": iso(s.estimated_delivery)} for s in row.shipments],
        "refunds": [{"amount": money(r.amount, row.currency), "reason": r.reason, "created_at": iso(r.created_at)}
                    for r in row.refunds] if payments else None,
    })
    return data
