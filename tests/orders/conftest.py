"""Order fixtures: a connected store per platform and a `deliver` helper posting to /hooks/<platform>/<id>."""
import pytest

from tests.factories import make_store
from tests.orders import payloads
from tests.orders.helpers import SECRET


@pytest.fixture
def store_for(httpserver):
    """Build a store of the platform; BigCommerce stores read their API from the test HTTP server."""
    def build(platform, **overrides):
        if platform == "bigcommerce":
            overrides.setdefault("api_url", httpserver.url_for(""))
            overrides.setdefault("api_token", "bc-token")
        return make_store(platform=platform, webhook_secret=SECRET, **overrides)
    return build


@pytest.fixture
def deliver(client):
    """POST a payload the way the shop would: signed unless told otherwise."""
    def post(store, payload, *, platform=None, topic=None, delivery_id=None, secret=SECRET, raw=None,
             content_type="application/json", headers=None, drop=()):
        platform = platform or store.platform.value
        raw = payloads.body(payload) if raw is None else raw
        sent = payloads.signed_headers(store.platform.value, secret, raw, topic=topic, delivery_id=delivery_id)
        sent.update(headers or {})
        for name in drop:
            sent.pop(name)
        return client.post(f"/hooks/{platform}/{store.id}", data=raw, headers=sent, content_type=content_type)
    return post

