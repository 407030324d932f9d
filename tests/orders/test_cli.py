"""`portal stores …` and `portal orders …` through the Flask CLI runner."""
import json
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models_base import utcnow
from portal.orders import cli as orders_cli_module
from portal.orders import services
from portal.orders.models import Order, Store, WebhookDelivery
from tests.factories import make_store
from tests.orders import payloads
from tests.orders.helpers import count
from tests.orders.test_csv_import import HEADER, VALID

WOO_ORDERS = "/wp-json/wc/v3/orders"


def cli(runner, *args):
    return runner.invoke(args=[str(a) for a in args])


# --- stores ---------------------------------------------------------------------------------------

def test_stores_add_json_prints_the_id_and_the_webhook_url(runner):
    result = cli(runner, "stores", "add", "--platform", "shopify", "--name", "Main shop", "--domain",
                 "https://Main-Shop.myshopify.com/", "--webhook-secret", "shpss_abc", "--api-token", "shpat_1",
                 "--timezone", "Europe/Paris", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    store = db.session.get(Store, data["id"])
    assert data == {"id": store.id, "webhook_url": f"http://127.0.0.1:5000/hooks/shopify/{store.id}"}
    assert (store.domain, store.timezone) == ("main-shop.myshopify.com", "Europe/Paris")
    assert services.webhook_secret(store) == "shpss_abc" and "shpss_abc" not in store.webhook_secret_encrypted
    assert services.api_token(store) == "shpat_1"


def test_the_webhook_url_follows_public_url(make_app):
    app = make_app(PUBLIC_URL="https://support.example.com/help")
    with app.app_context():
        result = cli(app.test_cli_runner(), "stores", "add", "--platform", "woocommerce", "--name", "Woo",
                     "--domain", "woo.example.com", "--webhook-secret", "s3cret", "--json")
        store_id = json.loads(result.output)["id"]
        assert json.loads(result.output)["webhook_url"] == \
            f"https://support.example.com/help/hooks/woocommerce/{store_id}"
        db.session.remove()


def test_stores_add_text_output_for_bigcommerce_names_the_secret_header(runner):
    result = cli(runner, "stores", "add", "--platform", "bigcommerce", "--name", "BC", "--domain", "bc.example.com",
                 "--webhook-secret", "s3cret", "--api-url", "https://api.bigcommerce.com/stores/abc123")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Store 1 added: BC (bigcommerce, bc.example.com)."
    assert lines[1] == "Webhook URL: http://127.0.0.1:5000/hooks/bigcommerce/1"
    assert "X-Comptoir-Webhook-Secret" in lines[2]


def test_a_manual_store_has_no_webhook_url(runner):
    result = cli(runner, "stores", "add", "--platform", "manual", "--name", "Fairs", "--domain", "fairs.example.com",
                 "--json")
    assert json.loads(result.output)["webhook_url"] is None


@pytest.mark.parametrize("args, message", [
    (["--platform", "magento", "--webhook-secret", "x"],
     "Error: --platform: Choose shopify, woocommerce, bigcommerce or manual."),
    (["--platform", "shopify"], "Error: --webhook-secret: Enter the webhook secret shown by the shop."),
    (["--platform", "shopify", "--webhook-secret", "x", "--timezone", "Mars/Olympus"],
     "Error: --timezone: Unknown time zone (use a name like Europe/Paris)."),
    (["--platform", "shopify", "--webhook-secret", "x", "--api-url", "ftp://x"],
     "Error: --api-url: The API URL must start with http:// or https://."),
])
def test_stores_add_refuses_bad_input_with_one_line(runner, args, message):
    result = cli(runner, "stores", "add", "--name", "Shop", "--domain", "shop.example.com", *args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message]
    assert count(Store) == 0


def test_stores_list(runner):
    make_store(platform="shopify", name="Main shop", domain="main.example.com")
    make_store(platform="manual", name="Fairs", domain="fairs.example.com")
    assert "Main shop" in cli(runner, "stores", "list").output
    rows = json.loads(cli(runner, "stores", "list", "--json").output)
    assert [(r["name"], r["platform"], r["sync_in_progress"]) for r in rows] == [
        ("Main shop", "shopify", False), ("Fairs", "manual", False)]


# --- orders import / show -------------------------------------------------------------------------

def test_orders_import_then_show_json(runner, tmp_path):
    store = make_store(platform="manual")
    path = tmp_path / "orders.csv"
    path.write_text(VALID)
    result = cli(runner, "orders", "import", path, "--store", store.id)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Imported 2 orders (2 new, 0 updated, 3 items) into store {store.id}."
    shown = cli(runner, "orders", "show", "#1001", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert (data["number"], data["email"], data["placed_at"]) == ("1001", "ana@example.com", "2024-03-01T12:30:00Z")
    assert (data["total"], data["subtotal"], data["refunded_total"]) == ("64.87", "64.87", "0.00")
    assert (data["financial_status"], data["fulfillment_status"]) == ("paid", "fulfilled")
    assert data["items"][0] == {"sku": "MUG-1", "title": "Mug", "variant": "Blue", "quantity": 3,
                                "unit_price": "19.99"}
    assert data["shipments"][0]["tracking_number"] == "6A123"
    assert data["refunds"] == []


def test_orders_show_json_has_refunds_and_shipments_from_webhooks(runner, client):
    store = make_store(platform="shopify", webhook_secret="s3cret")
    for payload, topic in ((payloads.shopify_order(), "orders/create"),
                           (payloads.shopify_fulfillment(), "fulfillments/create"),
                           (payloads.shopify_refund(amount="10.1"), "refunds/create")):
        raw = payloads.body(payload)
        client.post(f"/hooks/shopify/{store.id}", data=raw, content_type="application/json",
                    headers=payloads.signed_headers("shopify", "s3cret", raw, topic=topic))
    data = json.loads(cli(runner, "orders", "show", "1001", "--store", store.id, "--json").output)
    assert data["financial_status"] == "partially_refunded"
    assert data["refunds"] == [{"amount": "10.10", "reason": "Broken in transit",
                                "created_at": "2024-03-05T11:00:00Z"}]
    assert [(s["carrier"], s["tracking_number"], s["status"]) for s in data["shipments"]] == [
        ("UPS", "1Z2345", "shipped")]
    text = cli(runner, "orders", "show", "1001").output
    assert "Total 64.87 EUR, payment partially_refunded, fulfilled, refunded 10.10" in text


def test_orders_import_lists_each_bad_line_exits_1_and_stores_nothing(runner, tmp_path):
    store = make_store(platform="manual")
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "9001,a@example.com,A,2024-03-01T10:00:00Z,EUR,1.00,,,,Mug,,1,1.00,,,,\n"
                    "9002,b@example.com,B,2024-13-01T10:00:00Z,EUR,1.00,,,,Mug,,1,1.00,,,,\n"
                    "9003,c@example.com,C,2024-03-01T10:00:00Z,EUR,1.00,,,,Mug,,1,1.0.0,,,,\n")
    result = cli(runner, "orders", "import", path, "--store", store.id)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}:3: placed_at '2024-13-01T10:00:00Z' is not an ISO 8601 date (like 2024-03-01T14:30:00+01:00)",
        f"{path}:4: item_unit_price '1.0.0' is not an amount (like 59.90: a dot, at most two decimals)",
        f"Error: {path}: 2 bad line(s); nothing was imported.",
    ]
    assert count(Order) == 0


@pytest.mark.parametrize("store_arg, message", [
    ("42", "Error: --store 42: no such store (see 'portal stores list')"),
    ("shopify", "Error: --store {id}: Store {id} is a shopify store; its orders come from the shop. "
                "Import CSV files into a manual store."),
])
def test_orders_import_into_a_wrong_store_is_one_line(runner, tmp_path, store_arg, message):
    shopify = make_store(platform="shopify")
    path = tmp_path / "orders.csv"
    path.write_text(VALID)
    store_id = shopify.id if store_arg == "shopify" else store_arg
    result = cli(runner, "orders", "import", path, "--store", store_id)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message.format(id=shopify.id)]


def test_orders_show_unknown_or_ambiguous_numbers(runner, tmp_path):
    assert cli(runner, "orders", "show", "77").output.strip() == "Error: order 77: not found"
    path = tmp_path / "orders.csv"
    path.write_text(VALID)
    first, second = make_store(platform="manual"), make_store(platform="manual")
    for store in (first, second):
        cli(runner, "orders", "import", path, "--store", store.id)
    result = cli(runner, "orders", "show", "1002", "--json")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: order 1002: found in stores {first.id}, {second.id}; pass --store ID"
    assert json.loads(cli(runner, "orders", "show", "1002", "--store", second.id, "--json").output)["store"]["id"] \
        == second.id


# --- orders sync ----------------------------------------------------------------------------------

def serve_woo(httpserver, page, orders, expect=None):
    expect = expect or httpserver.expect_request
    return expect(WOO_ORDERS, query_string={"page": str(page), "per_page": "100", "orderby": "modified",
                                            "order": "asc"})


def test_orders_sync_fails_with_one_line_then_a_rerun_resumes(runner, httpserver):
    store = make_store(platform="woocommerce", api_url=httpserver.url_for(""), api_token="ck:cs")
    headers = {"X-WP-Total": "3", "X-WP-TotalPages": "3"}
    serve_woo(httpserver, 1, [payloads.woo_order(1)]).respond_with_json([payloads.woo_order(1)], headers=headers)
    serve_woo(httpserver, 2, [], httpserver.expect_oneshot_request).respond_with_data("", status=502)
    serve_woo(httpserver, 2, []).respond_with_json([payloads.woo_order(2)], headers=headers)
    serve_woo(httpserver, 3, []).respond_with_json([payloads.woo_order(3)], headers=headers)

    failed = cli(runner, "orders", "sync", store.id)
    assert failed.exit_code == 1
    assert failed.stderr.strip().splitlines() == [
        f"Error: store {store.id}: {httpserver.url_for(WOO_ORDERS)}?page=2&per_page=100&orderby=modified&order=asc: "
        "HTTP 502 (the pages done are kept; run the command again to resume)"]
    assert count(Order) == 1

    resumed = cli(runner, "orders", "sync", store.id)
    assert resumed.exit_code == 0, resumed.output
    assert resumed.output.splitlines()[0] == "Resuming the interrupted sync."
    assert resumed.output.splitlines()[-1] == f"Synced 2 orders from store {store.id} ({store.name})."
    assert count(Order) == 3
    assert [r.args["page"] for r, _ in httpserver.log] == ["1", "2", "2", "3"]


def test_orders_sync_shows_pages_when_the_total_is_unknown(runner, httpserver):
    store = make_store(platform="shopify", api_url=httpserver.url_for(""), api_token="shpat")
    httpserver.expect_request("/admin/api/2024-10/orders.json").respond_with_json(
        {"orders": [payloads.shopify_order()]})
    result = cli(runner, "orders", "sync", store.id, "--since", "2024-03-01")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["page 1: 1 orders so far", f"Synced 1 orders from store {store.id} "
                                          f"({store.name})."]
    assert httpserver.log[0][0].args["updated_at_min"] == "2024-03-01T00:00:00+00:00"


def test_orders_sync_shows_a_bar_on_a_terminal_when_the_total_is_known(runner, httpserver, monkeypatch):
    monkeypatch.setattr(orders_cli_module, "interactive", lambda: True)
    store = make_store(platform="woocommerce", api_url=httpserver.url_for(""), api_token="ck:cs")
    serve_woo(httpserver, 1, []).respond_with_json([payloads.woo_order(1), payloads.woo_order(2)],
                                                   headers={"X-WP-Total": "2", "X-WP-TotalPages": "1"})
    result = cli(runner, "orders", "sync", store.id)
    assert result.exit_code == 0, result.output
    # click draws the bar only on a real terminal; under the runner its label shows and the page lines do not
    assert result.output.splitlines() == ["Orders", f"Synced 2 orders from store {store.id} ({store.name})."]


@pytest.mark.parametrize("args, message", [
    (["42"], "Error: store 42: no such store (see 'portal stores list')"),
    (["{id}", "--since", "last week"],
     "Error: --since 'last week': not a date (use 2024-03-01 or 2024-03-01T12:00:00+01:00)"),
])
def test_orders_sync_bad_input_is_one_line(runner, args, message):
    store = make_store(platform="shopify")
    result = cli(runner, "orders", "sync", *[a.format(id=store.id) for a in args])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message]


def test_orders_sync_of_a_manual_store_is_one_line(runner):
    store = make_store(platform="manual")
    result = cli(runner, "orders", "sync", store.id)
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: store {store.id}: a manual store has no API; use "
                                     f"'portal orders import FILE.csv --store {store.id}'")


# --- purge-payloads -------------------------------------------------------------------------------

def test_purge_payloads_forgets_old_bodies_but_keeps_delivery_ids(runner, app):
    store = make_store(platform="shopify")
    old = WebhookDelivery(store_id=store.id, delivery_id="old", topic="orders/create", payload="{}",
                          received_at=utcnow() - timedelta(days=30))
    new = WebhookDelivery(store_id=store.id, delivery_id="new", topic="orders/create", payload="{}")
    db.session.add_all([old, new])
    db.session.commit()
    result = cli(runner, "orders", "purge-payloads")
    assert result.output.strip() == "Forgot 1 webhook payloads older than 14 days."
    db.session.expire_all()
    assert (old.payload, new.payload) == (None, "{}")
    assert count(WebhookDelivery) == 2
    refused = cli(runner, "orders", "purge-payloads", "--days", "-1")
    assert (refused.exit_code, refused.output.strip()) == (1, "Error: --days -1: must be 0 or more")
