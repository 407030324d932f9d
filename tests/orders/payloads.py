"""Payloads shaped like each platform's documented webhooks and REST answers, and the headers that sign them.

Shopify: REST Admin order / fulfillment / refund resources; X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw
body), X-Shopify-Topic, X-Shopify-Webhook-Id. WooCommerce: REST v3 order; X-WC-Webhook-Signature (same HMAC),
X-WC-Webhook-Topic, X-WC-Webhook-Delivery-ID. BigCommerce: the thin hook body {scope, store_id, data: {type, id},
hash, created_at, producer} plus v2 order, products, shipments and shipping_addresses; our secret header.
"""
import base64
import hashlib
import hmac
import itertools
import json

from portal.orders.platforms.bigcommerce import SECRET_HEADER

_ids = itertools.count(1)


def body(payload) -> bytes:
    return json.dumps(payload).encode()


def hmac_b64(secret: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def signed_headers(platform: str, secret: str, raw: bytes, *, topic: str | None = None,
                   delivery_id: str | None = None) -> dict:
    """The headers a shop sends with `raw`, signed with `secret`."""
    delivery_id = delivery_id or f"delivery-{next(_ids)}"
    if platform == "shopify":
        return {"X-Shopify-Hmac-Sha256": hmac_b64(secret, raw), "X-Shopify-Topic": topic or "orders/create",
                "X-Shopify-Webhook-Id": delivery_id, "X-Shopify-Shop-Domain": "shop.myshopify.com",
                "X-Shopify-API-Version": "2024-10"}
    if platform == "woocommerce":
        topic = topic or "order.created"
        return {"X-WC-Webhook-Signature": hmac_b64(secret, raw), "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Resource": topic.split(".")[0], "X-WC-Webhook-Event": topic.split(".")[1],
                "X-WC-Webhook-Delivery-ID": delivery_id, "X-WC-Webhook-ID": "12",
                "X-WC-Webhook-Source": "https://shop.example.com/"}
    return {SECRET_HEADER: secret}


SIGNATURE_HEADER = {"shopify": "X-Shopify-Hmac-Sha256", "woocommerce": "X-WC-Webhook-Signature",
                    "bigcommerce": SECRET_HEADER}


# --- Shopify --------------------------------------------------------------------------------------

def shopify_order(order_id=450789469, number=1001, *, updated_at="2024-03-01T23:45:00-05:00", **overrides) -> dict:
    """Three mugs at 19.99 plus 4.90 shipping: 64.87, placed late on 1 March in New York (2 March in UTC)."""
    order = {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": f"#{number}",
        "order_number": number, "email": "Bob.Norman@Example.com", "contact_email": "bob.norman@example.com",
        "created_at": "2024-03-01T23:30:00-05:00", "updated_at": updated_at,
        "processed_at": "2024-03-01T23:30:00-05:00", "currency": "EUR", "presentment_currency": "EUR",
        "subtotal_price": "59.97", "total_tax": "10.81", "total_discounts": "0.00", "total_price": "64.87",
        "financial_status": "paid", "fulfillment_status": None, "cancelled_at": None, "cancel_reason": None,
        "note": "Leave at the door", "tags": "",
        "customer": {"id": 207119551, "email": "bob.norman@example.com", "first_name": "Bob", "last_name": "Norman"},
        "billing_address": {"name": "Bob Norman", "address1": "Chestnut Street 92", "city": "Louisville",
                            "zip": "40202", "province": "Kentucky", "country": "United States"},
        "shipping_address": {"name": "Bob Norman", "address1": "Chestnut Street 92", "city": "Louisville",
                             "zip": "40202", "province": "Kentucky", "country": "United States",
                             "phone": "+1 555 555 5555"},
        "line_items": [{"id": 466157049, "variant_id": 39072856, "product_id": 632910392, "title": "Mug",
                        "variant_title": "Blue", "sku": "MUG-BLUE", "quantity": 3, "price": "19.99",
                        "fulfillable_quantity": 3, "fulfillment_status": None, "requires_shipping": True}],
        "shipping_lines": [{"id": 369256396, "title": "Standard", "code": "Standard", "price": "4.90"}],
        "fulfillments": [], "refunds": [],
    }
    order.update(overrides)
    return order


def shopify_fulfillment(order_id=450789469, fulfillment_id=255858046, **overrides) -> dict:
    fulfillment = {
        "id": fulfillment_id, "order_id": order_id, "status": "success", "service": "manual",
        "created_at": "2024-03-02T10:00:00+01:00", "updated_at": "2024-03-02T10:00:00+01:00",
        "tracking_company": "UPS", "shipment_status": None, "location_id": 24826418, "name": "#1001.1",
        "tracking_number": "1Z2345", "tracking_numbers": ["1Z2345"],
        "tracking_url": "https://www.ups.com/track?tracknum=1Z2345",
        "tracking_urls": ["https://www.ups.com/track?tracknum=1Z2345"], "receipt": {},
        "line_items": [{"id": 466157049, "quantity": 3}],
    }
    fulfillment.update(overrides)
    return fulfillment


def shopify_refund(order_id=450789469, refund_id=509562969, amount="19.99", **overrides) -> dict:
    refund = {
        "id": refund_id, "order_id": order_id, "created_at": "2024-03-05T12:00:00+01:00",
        "processed_at": "2024-03-05T12:00:00+01:00", "note": "Broken in transit", "restock": False,
        "refund_line_items": [{"id": 104689539, "line_item_id": 466157049, "quantity": 1}],
        "transactions": [{"id": 245135, "order_id": order_id, "kind": "refund", "gateway": "bogus",
                          "status": "success", "amount": amount, "currency": "EUR",
                          "created_at": "2024-03-05T12:00:00+01:00"}],
        "order_adjustments": [],
    }
    refund.update(overrides)
    return refund


# --- WooCommerce ----------------------------------------------------------------------------------

def woo_order(order_id=727, *, modified_gmt="2024-03-01T15:00:00", status="processing", **overrides) -> dict:
    order = {
        "id": order_id, "parent_id": 0, "number": str(order_id), "order_key": "wc_order_58d2d042d1d",
        "created_via": "checkout", "version": "8.6.0", "status": status, "currency": "EUR",
        "date_created": "2024-03-01T16:00:00", "date_created_gmt": "2024-03-01T15:00:00",
        "date_modified": "2024-03-01T16:00:00", "date_modified_gmt": modified_gmt,
        "discount_total": "0.00", "shipping_total": "10.00", "total": "29.80", "total_tax": "0.00",
        "customer_id": 0, "customer_note": "",
        "billing": {"first_name": "John", "last_name": "Doe", "address_1": "969 Market", "city": "San Francisco",
                    "state": "CA", "postcode": "94103", "country": "US", "email": "John.Doe@example.com",
                    "phone": "(555) 555-5555"},
        "shipping": {"first_name": "John", "last_name": "Doe", "address_1": "969 Market", "city": "San Francisco",
                     "state": "CA", "postcode": "94103", "country": "US"},
        "payment_method": "bacs", "meta_data": [],
        "line_items": [{"id": 315, "name": "Woo Single", "product_id": 93, "variation_id": 0, "quantity": 2,
                        "tax_class": "", "subtotal": "19.80", "total": "19.80", "sku": "WOO-1", "price": 9.9,
                        "meta_data": [{"id": 1, "key": "pa_colour", "value": "red", "display_key": "Colour",
                                       "display_value": "Red"}]}],
        "refunds": [],
    }
    order.update(overrides)
    return order


# --- BigCommerce ----------------------------------------------------------------------------------

def bigcommerce_hook(order_id=250, scope="store/order/updated") -> dict:
    return {"scope": scope, "store_id": "1025646", "data": {"type": "order", "id": order_id},
            "hash": "dd70c0976e06b67aaf671e73f49dcb79230ebf9d", "created_at": 1709290800,
            "producer": "stores/abc123"}


def bigcommerce_order(order_id=250, status_id=2, **overrides) -> dict:
    order = {
        "id": order_id, "customer_id": 0, "date_created": "Fri, 01 Mar 2024 21:30:00 +0100",
        "date_modified": "Sat, 02 Mar 2024 09:00:00 +0100", "status_id": status_id, "status": "Shipped",
        "subtotal_ex_tax": "49.9750", "subtotal_inc_tax": "59.9700", "total_tax": "9.9950",
        "shipping_cost_inc_tax": "4.9000", "total_inc_tax": "64.8700", "refunded_amount": "0.0000",
        "currency_code": "EUR", "payment_status": "captured", "payment_method": "Credit Card", "customer_message": "",
        "staff_notes": "",
        "billing_address": {"first_name": "Jane", "last_name": "Doe", "street_1": "1 Rue de Rivoli",
                            "city": "Paris", "zip": "75001", "country": "France", "country_iso2": "FR",
                            "email": "Jane.Doe@example.com"},
        "products": {"url": f"https://api.bigcommerce.com/stores/abc123/v2/orders/{order_id}/products",
                     "resource": f"/orders/{order_id}/products"},
    }
    order.update(overrides)
    return order


def bigcommerce_products(order_id=250) -> list:
    return [{"id": 21, "order_id": order_id, "product_id": 77, "name": "Mug", "sku": "MUG-1", "quantity": 3,
             "price_ex_tax": "16.6583", "price_inc_tax": "19.9900",
             "product_options": [{"display_name": "Colour", "display_value": "Blue"}]}]


def bigcommerce_shipments(order_id=250) -> list:
    return [{"id": 1, "order_id": order_id, "date_created": "Sat, 02 Mar 2024 09:00:00 +0100",
             "tracking_number": "1Z999", "shipping_method": "Standard", "shipping_provider": "ups",
             "tracking_carrier": "ups", "tracking_link": "https://www.ups.com/track?tracknum=1Z999", "comments": "",
             "items": [{"order_product_id": 21, "quantity": 3}]}]


def bigcommerce_addresses(order_id=250) -> list:
    return [{"id": 9, "order_id": order_id, "first_name": "Jane", "last_name": "Doe", "street_1": "1 Rue de Rivoli",
             "city": "Paris", "zip": "75001", "country": "France", "email": "jane.doe@example.com"}]


def serve_bigcommerce_order(httpserver, order_id=250, token=None, shipments=None, **order_overrides) -> None:
    """Stand in for the v2 API endpoints a BigCommerce order is fetched from (one shipment unless told)."""
    headers = {"X-Auth-Token": token} if token else None
    base = f"/v2/orders/{order_id}"
    httpserver.expect_request(base, headers=headers).respond_with_json(bigcommerce_order(order_id, **order_overrides))
    httpserver.expect_request(f"{base}/products").respond_with_json(bigcommerce_products(order_id))
    httpserver.expect_request(f"{base}/shipments").respond_with_json(
        bigcommerce_shipments(order_id) if shipments is None else shipments)
    httpserver.expect_request(f"{base}/shipping_addresses").respond_with_json(bigcommerce_addresses(order_id))
