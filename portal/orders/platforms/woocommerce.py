"""WooCommerce: X-WC-Webhook-Signature webhooks (order.created/updated/deleted), REST v3 payloads."""
from portal.orders.data import ItemData, OrderData, RefundData, ShipmentData, money, utc
from portal.orders.platforms import hmac_base64_matches

ORDER_TOPICS = {"order.created", "order.updated"}
TOPICS = ORDER_TOPICS | {"order.deleted"}
# status -> (financial, fulfillment). "on-hold" awaits the payment's confirmation (a bank transfer, a check);
# "failed" was declined or never went through; "checkout-draft" is a checkout not finished yet.
STATUS = {"pending": ("pending", "unfulfilled"), "on-hold": ("pending", "unfulfilled"),
          "checkout-draft": ("pending", "unfulfilled"), "processing": ("paid", "unfulfilled"),
          "completed": ("paid", "fulfilled"), "cancelled": ("voided", "unfulfilled"),
          "refunded": ("refunded", "unfulfilled"), "failed": ("failed", "unfulfilled"),
          "trash": ("voided", "unfulfilled")}


def verify(secret: str, raw: bytes, headers) -> bool:
    return hmac_base64_matches(secret, raw, headers.get("X-WC-Webhook-Signature"))


def topic(headers) -> str:
    return headers.get("X-WC-Webhook-Topic", "")


def delivery_id(headers, raw: bytes) -> str:
    return headers.get("X-WC-Webhook-Delivery-ID", "")


def _address(data) -> dict:
    if not data:
        return {}
    name = " ".join(x for x in (data.get("first_name"), data.get("last_name")) if x)
    out = {"name": name, "company": data.get("company"), "address1": data.get("address_1"),
           "address2": data.get("address_2"), "zip": data.get("postcode"), "city": data.get("city"),
           "province": data.get("state"), "country": data.get("country"), "phone": data.get("phone")}
    return {k: v for k, v in out.items() if v}


def _tracking(o: dict) -> list[ShipmentData]:
    """Shipments from the Shipment Tracking extension's meta data, when the shop uses it."""
    shipments = []
    for meta in o.get("meta_data") or []:
        if meta.get("key") != "_wc_shipment_tracking_items":
            continue
        for item in meta.get("value") or []:
            shipped = item.get("date_shipped")
            shipped_at = utc(_from_timestamp(shipped)) if shipped else None
            shipments.append(ShipmentData(external_id=str(item.get("tracking_id") or item.get("tracking_number")),
                                          carrier=item.get("tracking_provider") or item.get("custom_tracking_provider"),
                                          tracking_number=item.get("tracking_number"),
                                          tracking_url=item.get("custom_tracking_link") or None,
                                          shipped_at=shipped_at))
    return shipments


def _from_timestamp(value):
    from datetime import datetime, timezone

    if str(value).isdigit():
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    return value


def parse_order(o: dict) -> OrderData:
    billing = o.get("billing") or {}
    financial, fulfillment = STATUS.get(o.get("status"), ("pending", "unfulfilled"))
    refunds = [RefundData(external_id=str(r.get("id")), amount=abs(money(r.get("total"))), reason=r.get("reason") or None,
                          created_at=utc(o.get("date_modified_gmt") or o.get("date_created_gmt")))
               for r in o.get("refunds") or []]
    total = money(o.get("total"))
    if refunds and financial == "paid" and sum((r.amount for r in refunds), money(0)) < total:
        financial = "partially_refunded"
    items = [ItemData(external_id=str(li.get("id")), sku=li.get("sku") or None, title=li.get("name") or "",
                      variant=", ".join(str(m.get("display_value") or m.get("value")) for m in li.get("meta_data") or []
                                        if not str(m.get("key", "")).startswith("_")) or None,
                      quantity=int(li.get("quantity") or 1), unit_price=money(li.get("price")),
                      image_url=(li.get("image") or {}).get("src") or None) for li in o.get("line_items") or []]
    cancelled = o.get("status") == "cancelled"
    return OrderData(
        external_id=str(o["id"]), number=str(o.get("number") or o["id"]),
        placed_at=utc(o.get("date_created_gmt") + "Z" if o.get("date_created_gmt") else o.get("date_created")),
        updated_at=utc(o.get("date_modified_gmt") + "Z" if o.get("date_modified_gmt") else o.get("date_modified")),
        email=(billing.get("email") or "").lower(), customer_name=_address(billing).get("name", ""),
        currency=o.get("currency") or "EUR", subtotal=sum((money(li.get("subtotal")) for li in o.get("line_items") or []),
                                                          money(0)),
        shipping_total=money(o.get("shipping_total")), tax_total=money(o.get("total_tax")), total=total,
        financial_status=financial, fulfillment_status=fulfillment,
        cancelled_at=utc(o.get("date_modified_gmt") + "Z") if cancelled and o.get("date_modified_gmt") else None,
        shipping_address=_address(o.get("shipping")), billing_address=_address(billing),
        note=o.get("customer_note") or None, platform_status=str(o.get("status") or "") or None, items=items,
        shipments=_tracking(o), refunds=refunds)


def admin_url(store, order) -> str:
    return f"https://{store.domain}/wp-admin/post.php?post={order.external_id}&action=edit"
