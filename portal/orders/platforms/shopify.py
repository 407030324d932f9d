"""Shopify: X-Shopify-Hmac-Sha256 webhooks, order/fulfillment/refund payloads, REST backfill with Link cursors."""
from portal.orders.data import ItemData, OrderData, RefundData, ShipmentData, money, tag_list, utc
from portal.orders.platforms import hmac_base64_matches

ORDER_TOPICS = {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"}
TOPICS = ORDER_TOPICS | {"fulfillments/create", "fulfillments/update", "refunds/create"}
# financial_status -> ours. "expired": the authorization lapsed before capture, so nothing was charged.
FINANCIAL = {"pending": "pending", "authorized": "authorized", "partially_paid": "partially_paid", "paid": "paid",
             "partially_refunded": "partially_refunded", "refunded": "refunded", "voided": "voided",
             "expired": "failed"}
FULFILLMENT = {None: "unfulfilled", "": "unfulfilled", "partial": "partial", "fulfilled": "fulfilled",
               "restocked": "unfulfilled"}


def verify(secret: str, raw: bytes, headers) -> bool:
    return hmac_base64_matches(secret, raw, headers.get("X-Shopify-Hmac-Sha256"))


def topic(headers) -> str:
    return headers.get("X-Shopify-Topic", "")


def delivery_id(headers, raw: bytes) -> str:
    return headers.get("X-Shopify-Webhook-Id") or headers.get("X-Shopify-Event-Id") or ""


def _address(data) -> dict:
    if not data:
        return {}
    keys = ("name", "company", "address1", "address2", "zip", "city", "province", "country", "phone")
    return {k: data.get(k) for k in keys if data.get(k)}


def parse_shipment(f: dict) -> ShipmentData:
    urls = f.get("tracking_urls") or []
    numbers = f.get("tracking_numbers") or []
    status = f.get("shipment_status") or ("cancelled" if f.get("status") == "cancelled" else "shipped")
    delivered = utc(f.get("updated_at")) if status == "delivered" else None
    return ShipmentData(external_id=str(f.get("id")), carrier=f.get("tracking_company"),
                        tracking_number=f.get("tracking_number") or (numbers[0] if numbers else None),
                        tracking_url=f.get("tracking_url") or (urls[0] if urls else None), status=status,
                        shipped_at=utc(f.get("created_at")), delivered_at=delivered,
                        estimated_delivery=utc(f.get("estimated_delivery_at")))


def parse_refund(r: dict) -> RefundData:
    amount = sum((money(t.get("amount")) for t in r.get("transactions") or [] if t.get("kind") == "refund"
                  and t.get("status", "success") == "success"), money(0))
    return RefundData(external_id=str(r.get("id")), amount=amount, reason=r.get("note") or None,
                      created_at=utc(r.get("processed_at") or r.get("created_at")))


def platform_status(o: dict) -> str:
    """Shopify's two statuses as its admin lists them: "authorized / unfulfilled"."""
    return " / ".join(str(part) for part in (o.get("financial_status"), o.get("fulfillment_status") or "unfulfilled")
                      if part)


def parse_order(o: dict) -> OrderData:
    """An order payload (webhook or REST) in the neutral shape."""
    customer = o.get("customer") or {}
    name = " ".join(x for x in (customer.get("first_name"), customer.get("last_name")) if x)
    shipping_total = sum((money(s.get("price")) for s in o.get("shipping_lines") or []), money(0))
    items = [ItemData(external_id=str(li.get("id")), sku=li.get("sku") or None, title=li.get("title") or "",
                      variant=li.get("variant_title") or None, quantity=int(li.get("quantity") or 1),
                      unit_price=money(li.get("price"))) for li in o.get("line_items") or []]
    return OrderData(
        external_id=str(o["id"]), number=str(o.get("order_number") or o.get("name", "")).lstrip("#"),
        placed_at=utc(o.get("created_at")), updated_at=utc(o.get("updated_at") or o.get("created_at")),
        email=(o.get("email") or o.get("contact_email") or customer.get("email") or "").lower(),
        customer_name=name or (o.get("shipping_address") or {}).get("name", ""), currency=o.get("currency") or "EUR",
        subtotal=money(o.get("subtotal_price")), shipping_total=shipping_total, tax_total=money(o.get("total_tax")),
        total=money(o.get("total_price")), financial_status=FINANCIAL.get(o.get("financial_status"), "pending"),
        fulfillment_status=FULFILLMENT.get(o.get("fulfillment_status"), "unfulfilled"),
        cancelled_at=utc(o.get("cancelled_at")), cancel_reason=str(o.get("cancel_reason") or "") or None,
        shipping_address=_address(o.get("shipping_address")), billing_address=_address(o.get("billing_address")),
        note=o.get("note") or None, platform_status=platform_status(o), tags=tag_list(o.get("tags")), items=items,
        shipments=[parse_shipment(f) for f in o.get("fulfillments") or []] if "fulfillments" in o else None,
        refunds=[parse_refund(r) for r in o.get("refunds") or []] if "refunds" in o else None)


def admin_url(store, order) -> str:
    """Deep link to the order in the shop's admin."""
    return f"https://{store.domain}/admin/orders/{order.external_id}"
