"""BigCommerce: webhooks authenticated by a secret header we configure; payloads carry only the order id,
so the order, its products and shipments are fetched from the REST API (v2)."""
import hmac

from portal.orders.data import ItemData, OrderData, RefundData, ShipmentData, money, utc

SECRET_HEADER = "X-Comptoir-Webhook-Secret"
ORDER_TOPICS = {"store/order/created", "store/order/updated", "store/order/statusUpdated"}
TOPICS = ORDER_TOPICS
AUTHORIZED_ONLY = {"authorized", "capture pending"}  # payment_status while the amount is held, not yet charged
# status_id -> (financial, fulfillment); 6 "Declined": the seller refused the order for lack of payment.
STATUS = {0: ("pending", "unfulfilled"), 1: ("pending", "unfulfilled"), 2: ("paid", "fulfilled"),
          3: ("paid", "partial"), 4: ("refunded", "unfulfilled"), 5: ("voided", "unfulfilled"),
          6: ("failed", "unfulfilled"), 7: ("pending", "unfulfilled"), 8: ("paid", "unfulfilled"),
          9: ("paid", "unfulfilled"), 10: ("paid", "fulfilled"), 11: ("paid", "unfulfilled"),
          12: ("pending", "unfulfilled"), 13: ("paid", "unfulfilled"), 14: ("partially_refunded", "unfulfilled")}


def verify(secret: str, raw: bytes, headers) -> bool:
    """The secret header configured on the hook, compared in constant time over bytes."""
    value = headers.get(SECRET_HEADER)
    if not secret or not value:
        return False
    return hmac.compare_digest(value.strip().encode(), secret.encode())


def topic_from(payload: dict) -> str:
    return str(payload.get("scope", ""))


def topic(headers) -> str:
    return ""  # BigCommerce puts the scope in the body


def delivery_id(headers, raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()  # same body delivered twice = same delivery


def order_id_from(payload: dict) -> str | None:
    data = payload.get("data") or {}
    return str(data["id"]) if data.get("type", "order") == "order" and data.get("id") is not None else None


def _address(a) -> dict:
    if not a:
        return {}
    name = " ".join(x for x in (a.get("first_name"), a.get("last_name")) if x)
    out = {"name": name, "company": a.get("company"), "address1": a.get("street_1"), "address2": a.get("street_2"),
           "zip": a.get("zip"), "city": a.get("city"), "province": a.get("state"), "country": a.get("country"),
           "phone": a.get("phone")}
    return {k: v for k, v in out.items() if v}


def _financial(o: dict, financial: str) -> str:
    """The status says the order moves on; payment_status says whether the money was only authorized or declined."""
    payment = str(o.get("payment_status") or "").lower()
    if payment in AUTHORIZED_ONLY and financial in ("pending", "paid"):
        return "authorized"
    if payment == "declined" and financial == "pending":
        return "failed"
    return financial


def platform_status(o: dict) -> str | None:
    """BigCommerce's order status and payment status as its control panel shows them: "Awaiting Fulfillment /
    authorized"."""
    return " / ".join(str(part) for part in (o.get("status"), o.get("payment_status")) if part) or None


def parse_order(o: dict, products: list[dict], shipments: list[dict], shipping_addresses=None) -> OrderData:
    billing = o.get("billing_address") or {}
    financial, fulfillment = STATUS.get(int(o.get("status_id") or 0), ("pending", "unfulfilled"))
    financial = _financial(o, financial)
    refunded = money(o.get("refunded_amount"))
    refunds = [RefundData(amount=refunded, created_at=utc(o.get("date_modified")), external_id=f"{o['id']}-refunds")] \
        if refunded > 0 else []
    items = [ItemData(external_id=str(p.get("id")), sku=p.get("sku") or None, title=p.get("name") or "",
                      variant=", ".join(f"{x.get('display_name')}: {x.get('display_value')}"
                                        for x in p.get("product_options") or []) or None,
                      quantity=int(p.get("quantity") or 1), unit_price=money(p.get("price_inc_tax")))
             for p in products]
    ships = [ShipmentData(external_id=str(s.get("id")), carrier=s.get("shipping_provider") or s.get("tracking_carrier"),
                          tracking_number=s.get("tracking_number") or None, tracking_url=s.get("tracking_link") or None,
                          shipped_at=utc(s.get("date_created"))) for s in shipments]
    return OrderData(
        external_id=str(o["id"]), number=str(o["id"]), placed_at=utc(o.get("date_created")),
        updated_at=utc(o.get("date_modified") or o.get("date_created")), email=(billing.get("email") or "").lower(),
        customer_name=_address(billing).get("name", ""), currency=o.get("currency_code") or "EUR",
        subtotal=money(o.get("subtotal_inc_tax")), shipping_total=money(o.get("shipping_cost_inc_tax")),
        tax_total=money(o.get("total_tax")), total=money(o.get("total_inc_tax")), financial_status=financial,
        fulfillment_status=fulfillment,
        cancelled_at=utc(o.get("date_modified")) if int(o.get("status_id") or 0) == 5 else None,
        shipping_address=_address((shipping_addresses or [{}])[0]), billing_address=_address(billing),
        note=o.get("customer_message") or None, platform_status=platform_status(o), items=items, shipments=ships,
        refunds=refunds)


def admin_url(store, order) -> str:
    return f"https://{store.domain}/manage/orders/{order.external_id}"
