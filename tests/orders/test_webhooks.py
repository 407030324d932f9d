"""Webhooks through POST /hooks/<platform>/<store id>: signatures, rejections that store nothing, replays,
out-of-order deliveries and each platform's topics."""
import io
from datetime import datetime
from decimal import Decimal

import pytest

from portal.orders.models import FinancialStatus, FulfillmentStatus, Order, Refund, Shipment, WebhookDelivery
from tests.factories import make_store
from tests.orders import payloads
from tests.orders.helpers import count, stored_nothing, the_order

PLATFORMS = ("shopify", "woocommerce", "bigcommerce")


@pytest.fixture
def order_delivery(httpserver):
    """A store of the platform and the payload of a new order, as the shop would send it."""
    def build(platform, store_for):
        store = store_for(platform)
        if platform == "shopify":
            return store, payloads.shopify_order()
        if platform == "woocommerce":
            return store, payloads.woo_order()
        payloads.serve_bigcommerce_order(httpserver, token="bc-token")
        return store, payloads.bigcommerce_hook()
    return build


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_signed_delivery_is_stored_with_its_raw_payload(platform, order_delivery, store_for, deliver):
    store, payload = order_delivery(platform, store_for)
    response = deliver(store, payload)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"ok": True, "outcome": "created"}
    order = the_order()
    assert order.store_id == store.id and order.items
    delivery = WebhookDelivery.query.one()
    assert delivery.payload == payloads.body(payload).decode()
    assert store.last_delivery_status.endswith(": created")


# BigCommerce signs nothing (its secret header does not cover the body): no tampered-body case for it.
ATTACKS = [(platform, attack) for platform in PLATFORMS
           for attack in ("tampered body", "wrong secret", "missing header")
           if not (platform == "bigcommerce" and attack == "tampered body")]


@pytest.mark.parametrize("platform, attack", ATTACKS)
def test_an_unsigned_or_forged_delivery_is_refused_and_stores_nothing(platform, attack, order_delivery,
                                                                        store_for, deliver):
    store, payload = order_delivery(platform, store_for)
    raw = payloads.body(payload)
    if attack == "tampered body":
        headers = payloads.signed_headers(platform, "shpss_0123456789abcdef", raw)
        forged = raw.replace(b'"EUR"', b'"USD"')
        response = deliver(store, None, raw=forged, headers=headers)
    elif attack == "wrong secret":
        response = deliver(store, payload, secret="not-the-secret")
    else:
        response = deliver(store, payload, drop=[payloads.SIGNATURE_HEADER[platform]])
    assert response.status_code == 401
    assert response.get_json()["error"] == "Missing or invalid signature."
    assert stored_nothing()
    assert store.last_delivery_at is None


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_replayed_delivery_has_one_effect(platform, order_delivery, store_for, deliver, httpserver):
    store, payload = order_delivery(platform, store_for)
    first = deliver(store, payload, delivery_id="same-delivery")
    again = deliver(store, payload, delivery_id="same-delivery")
    assert first.get_json()["outcome"] == "created"
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert count(Order) == 1 and count(WebhookDelivery) == 1
    if platform == "bigcommerce":  # the replay did not even fetch the order again
        assert [r.path for r, _ in httpserver.log].count("/v2/orders/250") == 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_malformed_json_is_a_400_storing_nothing(platform, store_for, deliver):
    store = store_for(platform)
    response = deliver(store, None, raw=b'{"id": 1, "line_items": [')
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["error"]
    assert stored_nothing()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_json_array_is_not_an_order(platform, store_for, deliver):
    store = store_for(platform)
    assert deliver(store, [1, 2]).status_code == 400
    assert stored_nothing()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_wrong_content_type_is_a_415_storing_nothing(platform, order_delivery, store_for, deliver):
    store, payload = order_delivery(platform, store_for)
    response = deliver(store, payload, content_type="text/plain")
    assert response.status_code == 415
    assert stored_nothing()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_body_over_the_limit_is_a_413_storing_nothing(platform, app, order_delivery, store_for, deliver):
    store, payload = order_delivery(platform, store_for)
    app.config["WEBHOOK_MAX_BYTES"] = 1024
    payload["note"] = "x" * 2000
    response = deliver(store, payload)
    assert response.status_code == 413
    assert stored_nothing()


def test_the_woocommerce_ping_on_creation_is_accepted_and_stores_nothing(store_for, client):
    store = store_for("woocommerce")
    response = client.post(f"/hooks/woocommerce/{store.id}", data={"webhook_id": "12"})
    assert response.status_code == 200 and response.get_json()["outcome"] == "ping"
    assert stored_nothing()


@pytest.mark.parametrize("path", ["/hooks/shopify/999", "/hooks/woocommerce/{shopify}", "/hooks/magento/{shopify}",
                                  "/hooks/manual/{manual}"])
def test_an_unknown_store_or_a_platform_mismatch_is_a_404(path, store_for, client):
    shopify, manual = store_for("shopify"), make_store(platform="manual")
    raw = payloads.body(payloads.shopify_order())
    headers = payloads.signed_headers("shopify", "shpss_0123456789abcdef", raw)
    response = client.post(path.format(shopify=shopify.id, manual=manual.id), data=raw, headers=headers,
                           content_type="application/json")
    assert response.status_code == 404
    assert stored_nothing()


def test_a_delivery_without_its_delivery_id_is_refused(store_for, deliver):
    store = store_for("shopify")
    response = deliver(store, payloads.shopify_order(), drop=["X-Shopify-Webhook-Id"])
    assert response.status_code == 400
    assert stored_nothing()


def test_a_payload_that_is_not_an_order_is_a_400_storing_nothing(store_for, deliver):
    store = store_for("shopify")
    response = deliver(store, {"hello": "world"}, topic="orders/updated")
    assert response.status_code == 400
    assert stored_nothing()


# --- out of order -------------------------------------------------------------------------------

def test_an_older_shopify_update_arriving_late_does_not_overwrite_the_newer(store_for, deliver):
    store = store_for("shopify")
    newer = payloads.shopify_order(updated_at="2024-03-02T10:00:00+01:00", financial_status="refunded",
                                   email="new@example.com")
    older = payloads.shopify_order(updated_at="2024-03-02T09:59:00+01:00", financial_status="paid",
                                   email="old@example.com")
    assert deliver(store, newer, topic="orders/updated").get_json()["outcome"] == "created"
    assert deliver(store, older, topic="orders/updated").get_json()["outcome"] == "stale"
    order = the_order()
    assert order.email == "new@example.com"
    assert order.financial_status == FinancialStatus.REFUNDED
    assert order.platform_updated_at == datetime(2024, 3, 2, 9, 0)
    assert count(WebhookDelivery) == 2  # both recorded, so a replay of the old one is a duplicate too


def test_an_older_woocommerce_update_arriving_late_does_not_overwrite_the_newer(store_for, deliver):
    store = store_for("woocommerce")
    deliver(store, payloads.woo_order(modified_gmt="2024-03-01T16:00:00", status="completed"), topic="order.updated")
    deliver(store, payloads.woo_order(modified_gmt="2024-03-01T15:30:00", status="processing"), topic="order.updated")
    order = the_order()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert order.platform_updated_at == datetime(2024, 3, 1, 16, 0)


# --- Shopify topics -------------------------------------------------------------------------------

def test_shopify_order_payload_is_stored_in_full(store_for, deliver):
    store = store_for("shopify")
    deliver(store, payloads.shopify_order())
    order = the_order()
    assert (order.number, order.external_id, order.email) == ("1001", "450789469", "bob.norman@example.com")
    assert order.customer_name == "Bob Norman"
    assert (order.subtotal, order.shipping_total, order.total) == (Decimal("59.97"), Decimal("4.90"),
                                                                    Decimal("64.87"))
    assert [(i.sku, i.title, i.variant, i.quantity, i.unit_price) for i in order.items] == [
        ("MUG-BLUE", "Mug", "Blue", 3, Decimal("19.99"))]
    assert order.shipping_address["city"] == "Louisville"
    assert order.financial_status == FinancialStatus.PAID
    assert order.fulfillment_status == FulfillmentStatus.UNFULFILLED


def test_shopify_fulfillment_topics_add_then_update_the_shipment(store_for, deliver):
    store = store_for("shopify")
    deliver(store, payloads.shopify_order())
    created = deliver(store, payloads.shopify_fulfillment(), topic="fulfillments/create")
    assert created.get_json()["outcome"] == "shipment"
    order = the_order()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    [shipment] = order.shipments
    assert (shipment.carrier, shipment.tracking_number, shipment.status) == ("UPS", "1Z2345", "shipped")
    assert shipment.shipped_at == datetime(2024, 3, 2, 9, 0)
    deliver(store, payloads.shopify_fulfillment(shipment_status="delivered", updated_at="2024-03-04T08:00:00Z"),
            topic="fulfillments/update")
    [shipment] = the_order().shipments
    assert shipment.status == "delivered" and shipment.delivered_at == datetime(2024, 3, 4, 8, 0)
    assert count(Shipment) == 1


def test_shopify_refunds_update_the_refunds_and_the_financial_status(store_for, deliver):
    store = store_for("shopify")
    deliver(store, payloads.shopify_order())
    assert deliver(store, payloads.shopify_refund(amount="19.99"), topic="refunds/create").status_code == 200
    order = the_order()
    assert order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert [(r.amount, r.reason) for r in order.refunds] == [(Decimal("19.99"), "Broken in transit")]
    deliver(store, payloads.shopify_refund(refund_id=2, amount="44.88"), topic="refunds/create")
    order = the_order()
    assert order.refunded_total == Decimal("64.87") == order.total
    assert order.financial_status == FinancialStatus.REFUNDED


def test_a_restock_only_refund_leaves_the_financial_status(store_for, deliver):
    store = store_for("shopify")
    deliver(store, payloads.shopify_order())
    deliver(store, payloads.shopify_refund(transactions=[]), topic="refunds/create")
    assert the_order().financial_status == FinancialStatus.PAID


def test_a_cancelled_fulfillment_does_not_mark_the_order_fulfilled(store_for, deliver):
    store = store_for("shopify")
    deliver(store, payloads.shopify_order())
    deliver(store, payloads.shopify_fulfillment(status="cancelled"), topic="fulfillments/create")
    assert the_order().fulfillment_status == FulfillmentStatus.UNFULFILLED


def test_a_fulfillment_for_an_unknown_order_is_recorded_without_effect(store_for, deliver):
    store = store_for("shopify")
    response = deliver(store, payloads.shopify_fulfillment(order_id=1), topic="fulfillments/create")
    assert response.get_json()["outcome"] == "unknown order"
    assert count(Order) == 0 and count(Shipment) == 0


def test_an_unhandled_topic_is_acknowledged_and_ignored(store_for, deliver):
    store = store_for("shopify")
    response = deliver(store, {"id": 1}, topic="products/update")
    assert response.status_code == 200 and response.get_json()["outcome"].startswith("ignored topic")
    assert count(Order) == 0


# --- WooCommerce topics ---------------------------------------------------------------------------

def test_woocommerce_order_and_its_deletion(store_for, deliver):
    store = store_for("woocommerce")
    deliver(store, payloads.woo_order())
    order = the_order()
    assert (order.number, order.email, order.customer_name) == ("727", "john.doe@example.com", "John Doe")
    assert order.placed_at == datetime(2024, 3, 1, 15, 0)
    assert [(i.title, i.variant, i.quantity, i.unit_price) for i in order.items] == [
        ("Woo Single", "Red", 2, Decimal("9.90"))]
    assert (order.subtotal, order.shipping_total, order.total) == (Decimal("19.80"), Decimal("10.00"),
                                                                    Decimal("29.80"))
    response = deliver(store, {"id": 727}, topic="order.deleted")
    assert response.get_json()["outcome"] == "deleted"
    assert the_order().deleted_at is not None


def test_woocommerce_partial_refund_in_the_order(store_for, deliver):
    store = store_for("woocommerce")
    deliver(store, payloads.woo_order(refunds=[{"id": 730, "reason": "Late", "total": "-5.00"}]))
    order = the_order()
    assert order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert [r.amount for r in order.refunds] == [Decimal("5.00")]


# --- BigCommerce ----------------------------------------------------------------------------------

def test_bigcommerce_hook_with_only_the_id_fetches_the_order(store_for, deliver, httpserver):
    store = store_for("bigcommerce")
    payloads.serve_bigcommerce_order(httpserver, token="bc-token")
    response = deliver(store, payloads.bigcommerce_hook(scope="store/order/statusUpdated"))
    assert response.get_json() == {"ok": True, "outcome": "created"}
    order = the_order()
    assert (order.number, order.email, order.customer_name) == ("250", "jane.doe@example.com", "Jane Doe")
    assert order.placed_at == datetime(2024, 3, 1, 20, 30)  # Fri, 01 Mar 2024 21:30:00 +0100
    assert (order.total, order.shipping_total) == (Decimal("64.87"), Decimal("4.90"))
    assert [(i.sku, i.variant, i.quantity, i.unit_price) for i in order.items] == [
        ("MUG-1", "Colour: Blue", 3, Decimal("19.99"))]
    assert [(s.carrier, s.tracking_number, s.tracking_url) for s in order.shipments] == [
        ("ups", "1Z999", "https://www.ups.com/track?tracknum=1Z999")]
    assert order.shipping_address["city"] == "Paris"
    assert (order.financial_status, order.fulfillment_status) == (FinancialStatus.PAID, FulfillmentStatus.FULFILLED)
    requested = {r.path for r, _ in httpserver.log}
    assert requested == {"/v2/orders/250", "/v2/orders/250/products", "/v2/orders/250/shipments",
                         "/v2/orders/250/shipping_addresses"}
    assert all(r.headers["X-Auth-Token"] == "bc-token" for r, _ in httpserver.log)


def test_bigcommerce_api_failure_is_a_502_so_the_shop_retries(store_for, deliver, httpserver):
    store = store_for("bigcommerce")
    httpserver.expect_oneshot_request("/v2/orders/250").respond_with_data("down", status=503)
    first = deliver(store, payloads.bigcommerce_hook())
    assert first.status_code == 502
    assert stored_nothing()
    payloads.serve_bigcommerce_order(httpserver)
    retry = deliver(store, payloads.bigcommerce_hook())
    assert retry.status_code == 200 and retry.get_json()["outcome"] == "created"
    assert count(Refund) == 0 and count(Order) == 1


def test_a_chunked_body_over_the_limit_is_a_413_too(app, store_for, client):
    """No Content-Length: the view reads one byte past the limit and the size check catches it."""
    store = store_for("shopify")
    app.config["WEBHOOK_MAX_BYTES"] = 1024
    raw = payloads.body(payloads.shopify_order(note="x" * 2000))
    headers = payloads.signed_headers("shopify", "shpss_0123456789abcdef", raw)
    chunked = {"wsgi.input_terminated": True, "CONTENT_LENGTH": ""}
    response = client.post(f"/hooks/shopify/{store.id}", input_stream=io.BytesIO(raw), headers=headers,
                           content_type="application/json", environ_overrides=chunked)
    assert response.status_code == 413
    assert stored_nothing()
