"""Signed Shopify webhook deliveries for bench/orders.py: new orders and full orders/updated of stored ones.

The payloads have the shape of Shopify's REST Admin order resource (what portal/orders/platforms/shopify.py
parse_order reads); the headers are those Shopify sends: X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the
raw body with the store's webhook secret), X-Shopify-Topic and X-Shopify-Webhook-Id.
"""
import base64
import hashlib
import hmac
import json
import random
from datetime import datetime, timedelta
from decimal import Decimal

import generate_orders as gen
import ticket_text as text


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00") if value else None


def _address(address: dict) -> dict:
    return {"name": address.get("name"), "address1": address.get("address1"), "zip": address.get("zip"),
            "city": address.get("city"), "country": address.get("country")}


def _payload(*, order_id, number, email, name, placed, updated, items, fulfillments, refunds, financial,
             fulfillment, address, note=None) -> dict:
    subtotal = sum((Decimal(i["price"]) * i["quantity"] for i in items), Decimal("0"))
    shipping = Decimal("0.00") if subtotal >= 60 else Decimal("4.90")
    first, _, last = name.partition(" ")
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": f"#{number}",
        "order_number": number, "email": email, "contact_email": email, "created_at": _iso(placed),
        "updated_at": _iso(updated), "processed_at": _iso(placed), "currency": "EUR", "presentment_currency": "EUR",
        "subtotal_price": str(subtotal), "total_tax": str(((subtotal + shipping) / 6).quantize(Decimal("0.01"))),
        "total_discounts": "0.00", "total_price": str(subtotal + shipping), "financial_status": financial,
        "fulfillment_status": fulfillment, "cancelled_at": None, "cancel_reason": None, "note": note, "tags": "",
        "customer": {"id": 7_000_000 + order_id % 1_000_000, "email": email, "first_name": first, "last_name": last},
        "billing_address": address, "shipping_address": address, "line_items": items,
        "shipping_lines": [{"id": order_id, "title": "Standard", "code": "Standard", "price": str(shipping)}],
        "fulfillments": fulfillments, "refunds": refunds,
    }


def _line(item_id, title, variant, sku, quantity, price) -> dict:
    return {"id": item_id, "variant_id": item_id + 1, "product_id": item_id + 2, "title": title,
            "variant_title": variant, "sku": sku, "quantity": quantity, "price": str(price),
            "fulfillable_quantity": 0, "requires_shipping": True}


def _fulfillment(order_id, shipment_id, carrier, number, url, created, status, updated, estimated=None) -> dict:
    return {"id": shipment_id, "order_id": order_id, "status": "success", "created_at": _iso(created),
            "updated_at": _iso(updated or created), "estimated_delivery_at": _iso(estimated), "tracking_company": carrier,
            "shipment_status": status, "tracking_number": number, "tracking_numbers": [number],
            "tracking_url": url, "tracking_urls": [url]}


def new_order(rng, order_id, number, customer, placed) -> dict:
    """orders/create: a paid, unfulfilled order of 1 to 5 items."""
    items = []
    for n in range(rng.choices(*zip(*gen.ITEM_COUNTS))[0]):
        product = rng.choice(text.PRODUCTS)
        items.append(_line(order_id * 10 + n, product.capitalize(), f"{rng.choice(text.COLOURS)} / "
                           f"{rng.choice(text.SIZES)}", f"{product[:3].upper()}-{rng.randint(100, 999)}",
                           rng.choice((1, 1, 2)), rng.choice(gen.PRICES)))
    postcode, city = rng.choice(gen.CITIES)
    address = {"name": customer["name"], "address1": f"{rng.randint(1, 180)} rue {rng.choice(text.LAST)}",
               "zip": postcode, "city": city, "country": "France"}
    return _payload(order_id=order_id, number=number, email=customer["email"], name=customer["name"], placed=placed,
                    updated=placed, items=items, fulfillments=[], refunds=[], financial="paid", fulfillment=None,
                    address=address)


def updated_order(rng, order, when: datetime) -> dict:
    """orders/updated of a stored order: the full resource, now shipped (or delivered) and with a note."""
    items = [_line(int(i.external_id), i.title, i.variant, i.sku, i.quantity, i.unit_price) for i in order.items]
    fulfillments = [_fulfillment(int(order.external_id), int(s.external_id), s.carrier, s.tracking_number,
                                 s.tracking_url, s.shipped_at, "delivered" if s.delivered_at else "in_transit",
                                 s.delivered_at, s.estimated_delivery) for s in order.shipments]
    if fulfillments:
        fulfillments[-1].update(shipment_status="delivered", updated_at=_iso(when))
    else:
        carrier = rng.choice(tuple(gen.CARRIERS))
        number, url = gen._tracking(rng, carrier)
        fulfillments.append(_fulfillment(int(order.external_id), order.id * 10 + 7, carrier, number, url, when,
                                         "in_transit", when))
    refunds = [{"id": int(r.external_id), "order_id": int(order.external_id), "created_at": _iso(r.created_at),
                "processed_at": _iso(r.created_at), "note": r.reason, "restock": False,
                "transactions": [{"id": r.id, "kind": "refund", "status": "success", "amount": str(r.amount)}]}
               for r in order.refunds]
    return _payload(order_id=int(order.external_id), number=int(order.number), email=order.email,
                    name=order.customer_name, placed=order.placed_at, updated=when, items=items,
                    fulfillments=fulfillments, refunds=refunds, financial=order.financial_status.value, fulfillment="fulfilled",
                    address=_address(order.shipping_address), note="Gift wrap, please")


def signed(secret: str, topic: str, delivery_id: str, payload: dict) -> tuple[bytes, dict]:
    raw = json.dumps(payload).encode()
    digest = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return raw, {"X-Shopify-Hmac-Sha256": digest, "X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": delivery_id,
                 "X-Shopify-Shop-Domain": "maison-lin.myshopify.com", "X-Shopify-API-Version": "2024-10"}


def deliveries(app, meta, count: int, seed: int) -> list[dict]:
    """`count` deliveries, alternating orders/create (a new order) and orders/updated (a stored order).

    New orders go half to customers with a verified account (so linking finds them), half to new guests.
    """
    from sqlalchemy import Integer, func, select
    from sqlalchemy.orm import selectinload

    from portal.accounts.models import Role, User
    from portal.extensions import db
    from portal.orders.models import Order

    rng = random.Random(f"{seed}-webhooks")
    store_id = next(s["id"] for s in meta["stores"] if s["platform"] == "shopify")
    updates = count // 2
    creates = count - updates
    with app.app_context():
        last = db.session.execute(select(func.max(Order.number.cast(Integer)), func.max(Order.external_id))
                                  .where(Order.store_id == store_id)).one()
        ids = db.session.scalars(select(Order.id).where(Order.store_id == store_id, Order.cancelled_at.is_(None))).all()
        chosen = rng.sample(ids, min(updates, len(ids)))
        orders = db.session.scalars(select(Order).where(Order.id.in_(chosen)).options(
            selectinload(Order.items), selectinload(Order.shipments), selectinload(Order.refunds))).all()
        accounts = db.session.execute(select(User.email, User.name).where(User.email_verified_at.is_not(None),
                                                                          User.role == Role.CUSTOMER).limit(5000)).all()
        when = gen.NOW + timedelta(minutes=5)
        updated = [("orders/updated", updated_order(rng, order, when + timedelta(seconds=n)))
                   for n, order in enumerate(orders)]
        db.session.remove()
    rng.shuffle(updated)
    created = []
    for n in range(creates):
        if n % 2 == 0 and accounts:
            email, name = rng.choice(accounts)
            customer = {"email": email, "name": name}
        else:
            name = text.person(rng)
            customer = {"name": name, "email": text.customer_email(name, 10_000_000 + n)}
        created.append(("orders/create", new_order(rng, int(last[1]) + 1 + n, last[0] + 1 + n, customer,
                                                   gen.NOW + timedelta(seconds=n))))
    mixed = [d for pair in zip(created, updated) for d in pair] + created[len(updated):] + updated[len(created):]
    out = []
    for n, (topic, payload) in enumerate(mixed):
        raw, headers = signed(meta["secret"], topic, f"bench-{seed}-{n}-{payload['id']}", payload)
        out.append({"topic": topic, "raw": raw, "headers": headers, "url": f"/hooks/shopify/{store_id}",
                    "expect": "created" if topic == "orders/create" else "updated"})
    return out
