"""Backfill through each platform's REST API, served by pytest-httpserver: pagination, 429, resume."""
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.orders import sync
from portal.orders.models import Order
from portal.orders.rest import ShopApiError
from tests.factories import make_store
from tests.orders import payloads
from tests.orders.helpers import count

SHOPIFY_ORDERS = "/admin/api/2024-10/orders.json"
WOO_ORDERS = "/wp-json/wc/v3/orders"


@pytest.fixture
def api_store(app, httpserver):
    def build(platform, token="api-token"):
        return make_store(platform=platform, api_url=httpserver.url_for(""), api_token=token)
    return build


def numbers() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Order.number)), key=int)


def test_shopify_follows_link_headers_over_three_pages_and_waits_out_a_429(api_store, httpserver):
    store = api_store("shopify", token="shpat_123")
    first_query = {"status": "any", "limit": "250", "order": "updated_at asc"}
    page = {n: {"orders": [payloads.shopify_order(order_id=100 + i, number=i) for i in range(n * 2 - 1, n * 2 + 1)]}
            for n in (1, 2, 3)}

    def link(page_info, rel="next"):
        return f'<{httpserver.url_for(SHOPIFY_ORDERS)}?limit=250&page_info={page_info}>; rel="{rel}"'

    httpserver.expect_request(SHOPIFY_ORDERS, query_string=first_query).respond_with_json(
        page[1], headers={"Link": link("p2"), "X-Shopify-Shop-Api-Call-Limit": "1/40"})
    httpserver.expect_oneshot_request(SHOPIFY_ORDERS, query_string={"limit": "250", "page_info": "p2"}) \
        .respond_with_data("Exceeded 2 calls per second", status=429, headers={"Retry-After": "2.0"})
    httpserver.expect_request(SHOPIFY_ORDERS, query_string={"limit": "250", "page_info": "p2"}).respond_with_json(
        page[2], headers={"Link": f'{link("p1", "previous")}, {link("p3")}'})
    httpserver.expect_request(SHOPIFY_ORDERS, query_string={"limit": "250", "page_info": "p3"}).respond_with_json(
        page[3], headers={"Link": link("p2", "previous")})
    slept, progress = [], []

    stored = sync.backfill(store, sleep=slept.append, on_page=progress.append)

    assert stored == 6 and numbers() == ["1", "2", "3", "4", "5", "6"]
    assert slept == [2.0]
    assert [(p.page, p.orders) for p in progress] == [(1, 2), (2, 4), (3, 6)]
    assert len(httpserver.log) == 4  # three pages and the one answered 429
    assert {r.headers["X-Shopify-Access-Token"] for r, _ in httpserver.log} == {"shpat_123"}
    assert store.sync_cursor == {}


def test_shopify_sleeps_when_the_call_bucket_is_nearly_full(api_store, httpserver):
    store = api_store("shopify")
    httpserver.expect_request(SHOPIFY_ORDERS).respond_with_json(
        {"orders": [payloads.shopify_order()]}, headers={"X-Shopify-Shop-Api-Call-Limit": "39/40"})
    slept = []
    assert sync.backfill(store, sleep=slept.append) == 1
    assert slept == [1.0]


def test_since_is_sent_in_utc_with_its_offset(api_store, httpserver):
    store = api_store("shopify")
    httpserver.expect_request(SHOPIFY_ORDERS, query_string={
        "status": "any", "limit": "250", "order": "updated_at asc",
        "updated_at_min": "2024-03-01T00:00:00+00:00"}).respond_with_json({"orders": []})
    assert sync.backfill(store, since=datetime(2024, 3, 1)) == 0
    assert len(httpserver.log) == 1 and httpserver.log[0][1].status_code == 200


def woo_page(first: int, last: int) -> list[dict]:
    return [payloads.woo_order(order_id=n) for n in range(first, last + 1)]


def test_woocommerce_pages_with_page_and_per_page_until_x_wp_totalpages(api_store, httpserver):
    store = api_store("woocommerce", token="ck_key:cs_secret")
    for page, rows in ((1, woo_page(1, 3)), (2, woo_page(4, 5))):
        httpserver.expect_request(WOO_ORDERS, query_string={
            "page": str(page), "per_page": "100", "orderby": "modified", "order": "asc",
            "modified_after": "2024-03-01T11:00:00", "dates_are_gmt": "true"}).respond_with_json(
            rows, headers={"X-WP-Total": "5", "X-WP-TotalPages": "2"})
    progress = []

    stored = sync.backfill(store, since=datetime.fromisoformat("2024-03-01T12:00:00+01:00"), on_page=progress.append)

    assert stored == 5 and numbers() == ["1", "2", "3", "4", "5"]
    assert [(p.page, p.orders, p.total) for p in progress] == [(1, 3, 5), (2, 5, 5)]
    assert {r.headers["Authorization"] for r, _ in httpserver.log} == {"Basic Y2tfa2V5OmNzX3NlY3JldA=="}


def test_bigcommerce_pages_with_page_and_limit_until_a_short_or_empty_page(api_store, httpserver, monkeypatch):
    monkeypatch.setattr(sync, "BIGCOMMERCE_PAGE_SIZE", 2)
    store = api_store("bigcommerce", token="bc-token")
    rows = {1: [payloads.bigcommerce_order(1), payloads.bigcommerce_order(2)],
            2: [payloads.bigcommerce_order(3), payloads.bigcommerce_order(4)]}
    for page, orders in rows.items():
        httpserver.expect_request("/v2/orders", query_string={"page": str(page), "limit": "2",
                                                              "sort": "date_modified:asc"}).respond_with_json(orders)
    httpserver.expect_request("/v2/orders", query_string={"page": "3", "limit": "2", "sort": "date_modified:asc"}) \
        .respond_with_data("", status=204)
    for order_id in (1, 2, 3, 4):
        payloads.serve_bigcommerce_order(httpserver, order_id)

    assert sync.backfill(store) == 4

    assert numbers() == ["1", "2", "3", "4"]
    order = db.session.scalar(select(Order).where(Order.number == "3"))
    assert [(i.title, i.unit_price) for i in order.items] == [("Mug", Decimal("19.99"))]
    assert order.shipping_address["city"] == "Paris"  # the same shape as the webhook path
    assert {r.headers["X-Auth-Token"] for r, _ in httpserver.log} == {"bc-token"}


def test_an_interrupted_backfill_resumes_at_the_failed_page_without_duplicates(api_store, httpserver):
    store = api_store("woocommerce")
    pages = {1: woo_page(1, 2), 2: woo_page(3, 4), 3: woo_page(5, 6)}

    def serve(page, expect=httpserver.expect_request):
        return expect(WOO_ORDERS, query_string={"page": str(page), "per_page": "100", "orderby": "modified",
                                                "order": "asc"})

    serve(1).respond_with_json(pages[1], headers={"X-WP-TotalPages": "3"})
    serve(2, httpserver.expect_oneshot_request).respond_with_data("oops", status=500)
    serve(2).respond_with_json(pages[2], headers={"X-WP-TotalPages": "3"})
    serve(3).respond_with_json(pages[3], headers={"X-WP-TotalPages": "3"})

    with pytest.raises(ShopApiError, match="HTTP 500"):
        sync.backfill(store)
    db.session.expire_all()
    assert store.sync_cursor == {"since": "", "next": 2}
    assert numbers() == ["1", "2"]

    assert sync.backfill(store) == 4
    assert numbers() == ["1", "2", "3", "4", "5", "6"] and count(Order) == 6
    requested = [r.args["page"] for r, _ in httpserver.log]
    assert requested == ["1", "2", "2", "3"]  # page 1 was not fetched again
    assert store.sync_cursor == {}


def test_a_different_since_starts_over_instead_of_resuming(api_store, httpserver):
    store = api_store("woocommerce")
    store.sync_cursor = {"since": "", "next": 7}
    db.session.commit()
    httpserver.expect_request(WOO_ORDERS).respond_with_json([], headers={"X-WP-TotalPages": "0"})
    sync.backfill(store, since=datetime(2024, 1, 1))
    assert httpserver.log[0][0].args["page"] == "1"


def test_an_order_the_connector_cannot_read_stops_with_a_shop_api_error(api_store, httpserver):
    store = api_store("shopify")
    httpserver.expect_request(SHOPIFY_ORDERS).respond_with_json({"orders": [{"id": 5, "line_items": "oops"}]})
    with pytest.raises(ShopApiError, match="order 5"):
        sync.backfill(store)
    assert count(Order) == 0


def test_a_manual_store_has_no_api(app):
    with pytest.raises(ShopApiError, match="manual"):
        sync.backfill(make_store(platform="manual"))
