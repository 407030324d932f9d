"""Backfill through each platform's REST API: its pagination, its rate limits, resumable after interruption."""
import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from portal.extensions import db
from portal.orders import services
from portal.orders.models import Store
from portal.orders.platforms import bigcommerce, shopify, woocommerce
from portal.orders.rest import RestClient, ShopApiError

SHOPIFY_VERSION = "2024-10"
BIGCOMMERCE_PAGE_SIZE = 250  # v2 /orders allows up to 250; a shorter page is the last
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="?next"?')


@dataclass
class Progress:
    page: int
    orders: int
    total: int | None = None


def client_for(store: Store, sleep=None) -> RestClient:
    token = services.api_token(store) or ""
    base = store.api_url or f"https://{store.domain}"
    kwargs = {"sleep": sleep} if sleep else {}
    if store.platform.value == "shopify":
        return RestClient(base, {"X-Shopify-Access-Token": token}, **kwargs)
    if store.platform.value == "woocommerce":  # token is "consumer_key:consumer_secret"
        return RestClient(base, {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}, **kwargs)
    if store.platform.value == "bigcommerce":
        return RestClient(base, {"X-Auth-Token": token}, **kwargs)
    raise ShopApiError(f"store {store.id}: manual stores have no API; use 'portal orders import'")


def fetch_bigcommerce_order(store: Store, order_id: str, client: RestClient | None = None):
    """The full order from BigCommerce v2: order, products, shipments, shipping addresses."""
    client = client or client_for(store)
    order = client.get(f"/v2/orders/{order_id}").data
    if not isinstance(order, dict):
        raise ShopApiError(f"BigCommerce order {order_id}: not found")
    return _bigcommerce_order(client, order)


def _bigcommerce_order(client: RestClient, order: dict):
    """Order row + its products, shipments and shipping addresses (the same shape for webhooks and backfill)."""
    products = client.get(f"/v2/orders/{order['id']}/products").data or []
    shipments = client.get(f"/v2/orders/{order['id']}/shipments").data or []
    addresses = client.get(f"/v2/orders/{order['id']}/shipping_addresses").data or []
    return bigcommerce.parse_order(order, products, shipments, addresses)


def _since(since: datetime, *, naive_utc: bool = False) -> str:
    """`since` (naive means UTC) in ISO 8601 with its offset, so no shop reads it in its own time zone."""
    aware = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
    if naive_utc:  # WooCommerce, with dates_are_gmt=true
        return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return aware.isoformat()


def _parsed(parse, payload, *args):
    """A shop's order in the neutral shape; a payload we cannot read stops the sync with a clear message."""
    try:
        return parse(payload, *args)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        order_id = payload.get("id") if isinstance(payload, dict) else None
        raise ShopApiError(f"order {order_id}: unexpected payload ({exc!r})") from None


def backfill(store: Store, *, since: datetime | None = None, sleep=None,
             on_page: Callable[[Progress], None] = lambda p: None) -> int:
    """Pull every order (updated since `since`), committing after each page; resumes from store.sync_cursor.

    Returns how many orders were stored. Raises ShopApiError (the cursor keeps the place to resume)."""
    client = client_for(store, sleep)
    key = since.isoformat() if since else ""
    cursor = store.sync_cursor or {}
    if cursor.get("since") != key:
        cursor = {"since": key}
    pages = {"shopify": _shopify_pages, "woocommerce": _woo_pages, "bigcommerce": _bigcommerce_pages}
    stored = 0
    for page_no, (orders, next_position, total) in enumerate(pages[store.platform.value](client, since, cursor), 1):
        for data in orders:
            services.upsert_order(store, data)
        stored += len(orders)
        store.sync_cursor = {"since": key, "next": next_position} if next_position else {}
        db.session.commit()
        on_page(Progress(page=page_no, orders=stored, total=total))
    store.sync_cursor = {}
    db.session.commit()
    return stored


def _shopify_pages(client: RestClient, since, cursor) -> Iterator:
    url = cursor.get("next")
    params = None
    if not url:
        url = f"/admin/api/{SHOPIFY_VERSION}/orders.json"
        params = {"status": "any", "limit": 250, "order": "updated_at asc"}
        if since:
            params["updated_at_min"] = _since(since)
    while url:
        response = client.get(url, params)
        found = _NEXT_LINK.search(response.headers.get("link", ""))
        url, params = (found.group(1) if found else None), None
        yield [_parsed(shopify.parse_order, o) for o in (response.data or {}).get("orders", [])], url, None


def _woo_pages(client: RestClient, since, cursor) -> Iterator:
    page = int(cursor.get("next") or 1)
    while True:
        params = {"page": page, "per_page": 100, "orderby": "modified", "order": "asc"}
        if since:
            params.update(modified_after=_since(since, naive_utc=True), dates_are_gmt="true")
        response = client.get("/wp-json/wc/v3/orders", params)
        pages = int(response.headers.get("x-wp-totalpages") or page)
        total = int(response.headers["x-wp-total"]) if response.headers.get("x-wp-total") else None
        orders = [_parsed(woocommerce.parse_order, o) for o in response.data or []]
        more = page < pages and orders
        yield orders, (page + 1 if more else None), total
        if not more:
            return
        page += 1


def _bigcommerce_pages(client: RestClient, since, cursor) -> Iterator:
    page = int(cursor.get("next") or 1)
    limit = BIGCOMMERCE_PAGE_SIZE
    while True:
        params = {"page": page, "limit": limit, "sort": "date_modified:asc"}
        if since:
            params["min_date_modified"] = _since(since)
        response = client.get("/v2/orders", params)
        rows = response.data or []
        orders = [_parsed(lambda row: _bigcommerce_order(client, row), row) for row in rows]
        more = len(rows) == limit
        yield orders, (page + 1 if more else None), None
        if not more:
            return
        page += 1
