"""What the shop says about an order beyond its lines, as each platform sends it: the customer's note, tags, the
cancel reason, payment states in the platform's meaning and its own status words. Agents see all of it (order
page, ticket sidebar, `portal orders show`); the customer sees only their own view."""
import json
import re
from html import unescape

import pytest

from portal.extensions import db
from portal.orders.models import FinancialStatus, Order
from tests.factories import make_agent, make_store, make_ticket
from tests.orders import payloads
from tests.orders.helpers import the_order
from tests.orders.test_csv_import import HEADER

NOTE = "Merci de livrer au point retrait Relais Colis, 12 rue Victor Hugo (l'accueil ferme à 18 h)"

# One order per platform, authorized but not charged where the platform can say so, with the customer's note.
AUTHORIZED = {
    "shopify": dict(financial_status="authorized", note=NOTE, tags="point-retrait, VIP ,, point-retrait"),
    "woocommerce": dict(status="on-hold", customer_note=NOTE),  # awaiting the payment's confirmation
    "bigcommerce": dict(status_id=11, status="Awaiting Fulfillment", payment_status="authorized",
                        customer_message=NOTE),
}
# What agents then read: our payment state, the shop's own words, the tags.
AGENTS_READ = {
    "shopify": ("Authorized, not captured", "Status in Shopify", "authorized / unfulfilled", ["point-retrait", "VIP"]),
    "woocommerce": ("Payment pending", "Status in WooCommerce", "on-hold", []),
    "bigcommerce": ("Authorized, not captured", "Status in BigCommerce", "Awaiting Fulfillment / authorized", []),
}
# And the customer: the steps of the order.
CUSTOMER_STEPS = {
    "shopify": ["Placed", "Payment authorized", "Shipped", "Delivered"],
    "woocommerce": ["Placed", "Paid", "Shipped", "Delivered"],  # "Paid" still to come: greyed, not done
    "bigcommerce": ["Placed", "Payment authorized", "Shipped", "Delivered"],
}


@pytest.fixture
def receive(store_for, deliver, httpserver):
    """One order of `platform` delivered by webhook (payload fields overridden); returns the stored order."""
    def run(platform, **overrides):
        store = store_for(platform)
        if platform == "shopify":
            payload = payloads.shopify_order(**overrides)
        elif platform == "woocommerce":
            payload = payloads.woo_order(**overrides)
        else:
            # not shipped yet: BigCommerce answers an empty list of shipments
            payloads.serve_bigcommerce_order(httpserver, token="bc-token", shipments=[], **overrides)
            payload = payloads.bigcommerce_hook()
        response = deliver(store, payload)
        assert response.status_code == 200, response.get_json()
        return the_order()
    return run


@pytest.fixture
def agent(login):
    make_agent(email="agent@example.com")
    login("agent@example.com")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def staff_page(client, order: Order) -> str:
    return text(client.get(f"/staff/orders/{order.id}"))


def sidebar(client, order: Order) -> str:
    """The order card beside a ticket linked to the order."""
    ticket = make_ticket(email=order.email, subject="Une question", order_id=order.id, store_id=order.store_id)
    page = text(client.get(f"/staff/tickets/{ticket.number}"))
    return page[page.index('class="ticket-order"'):]


def customer_page(client, order: Order) -> str:
    """The order as the customer sees it: the guest lookup with number and email."""
    return text(client.post("/help/order-status", data={"number": order.number, "email": order.email}))


def words(page: str) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def steps(page: str) -> list[str]:
    return re.findall(r'<span class="step-name">([^<]*)</span>', page)


def done_steps(page: str) -> list[str]:
    return re.findall(r'<li class="done [^"]*"><span class="step-name">([^<]*)</span>', page)


def shown_json(runner, order: Order) -> dict:
    result = runner.invoke(args=["orders", "show", order.number, "--store", str(order.store_id), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- agents ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", AUTHORIZED)
def test_agents_see_the_note_tags_and_the_shops_status_on_the_order_page(platform, receive, client, agent):
    order = receive(platform, **AUTHORIZED[platform])
    ours, where, words, tags = AGENTS_READ[platform]
    page = staff_page(client, order)
    assert "Customer note" in page and NOTE in page
    # the note comes first, before the order's progress, items and totals
    assert page.index(NOTE) < page.index('class="order-steps"')
    assert f"<dd>{ours}</dd>" in page
    assert where in page and f'<code class="platform-status">{words}</code>' in page
    assert re.findall(r'<span class="tag">([^<]*)</span>', page) == tags


@pytest.mark.parametrize("platform", AUTHORIZED)
def test_agents_see_the_same_on_the_ticket_sidebar(platform, receive, client, agent):
    order = receive(platform, **AUTHORIZED[platform])
    ours, where, words, tags = AGENTS_READ[platform]
    card = sidebar(client, order)
    assert NOTE in card and f"<dd>{ours}</dd>" in card and words in card
    assert re.findall(r'<span class="tag">([^<]*)</span>', card) == tags
    assert ("Tags" in card) is bool(tags)


@pytest.mark.parametrize("platform", AUTHORIZED)
def test_orders_show_json_has_the_note_tags_and_both_statuses(platform, receive, runner):
    order = receive(platform, **AUTHORIZED[platform])
    _, _, words, tags = AGENTS_READ[platform]
    data = shown_json(runner, order)
    authorized = platform != "woocommerce"
    assert (data["note"], data["tags"], data["platform_status"], data["cancel_reason"]) == (NOTE, tags, words, None)
    assert data["financial_status"] == ("authorized" if authorized else "pending")
    assert data["customer_status"] == ({"key": "authorized", "label": "Payment authorized"} if authorized
                                       else {"key": "placed", "label": "Placed"})


def test_orders_show_text_has_the_note_and_the_tags(receive, runner):
    order = receive("shopify", **AUTHORIZED["shopify"])
    output = runner.invoke(args=["orders", "show", order.number]).output
    lines = output.splitlines()
    assert f"Note: {NOTE}" in lines and "Tags: point-retrait, VIP" in lines
    assert "Customer sees: Payment authorized (shopify: authorized / unfulfilled)" in lines


# --- the customer ---------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", AUTHORIZED)
def test_the_customer_sees_only_their_view_and_no_paid_before_the_money_is_charged(platform, receive, client):
    order = receive(platform, **AUTHORIZED[platform])
    _, where, words, tags = AGENTS_READ[platform]
    page = customer_page(client, order)
    assert steps(page) == CUSTOMER_STEPS[platform]
    assert "Paid" not in done_steps(page)
    assert words not in page and where not in page and 'class="tag"' not in page
    assert all(tag not in page for tag in tags)
    payment = re.search(r"<dt>Payment</dt><dd>([^<]*)</dd>", page).group(1)
    assert payment == ("Payment pending" if platform == "woocommerce" else "Payment authorized, not charged yet")


def test_the_customers_list_and_order_page_say_authorized(receive, client, login):
    from tests.factories import make_user

    make_user(email="bob.norman@example.com")
    order = receive("shopify", **AUTHORIZED["shopify"])
    login("bob.norman@example.com")
    listing = text(client.get("/portal/orders/"))
    assert re.search(r'<span class="badge badge-order-authorized">Payment authorized</span>', listing)
    page = text(client.get(f"/portal/orders/{order.id}"))
    assert "Payment authorized" in done_steps(page) and "Paid" not in page
    assert "VIP" not in page and "authorized / unfulfilled" not in page


# --- payment states in each platform's meaning ----------------------------------------------------

@pytest.mark.parametrize("platform, overrides, stored, customer_sees", [
    ("shopify", dict(financial_status="pending"), "pending", "Placed"),
    ("shopify", dict(financial_status="authorized"), "authorized", "Payment authorized"),
    ("shopify", dict(financial_status="partially_paid"), "partially_paid", "Partly paid"),
    ("shopify", dict(financial_status="paid"), "paid", "Paid"),
    ("shopify", dict(financial_status="partially_refunded"), "partially_refunded", "Paid"),
    ("shopify", dict(financial_status="refunded"), "refunded", "Refunded"),
    ("shopify", dict(financial_status="voided"), "voided", "Placed"),
    ("shopify", dict(financial_status="expired"), "failed", "Payment failed"),  # the authorization lapsed
    ("woocommerce", dict(status="pending"), "pending", "Placed"),
    ("woocommerce", dict(status="on-hold"), "pending", "Placed"),
    ("woocommerce", dict(status="processing"), "paid", "Paid"),
    ("woocommerce", dict(status="completed"), "paid", "Shipped"),
    ("woocommerce", dict(status="failed"), "failed", "Payment failed"),
    ("woocommerce", dict(status="checkout-draft"), "pending", "Placed"),
    ("bigcommerce", dict(status_id=11, status="Awaiting Fulfillment", payment_status="authorized"),
     "authorized", "Payment authorized"),
    ("bigcommerce", dict(status_id=11, status="Awaiting Fulfillment", payment_status="capture pending"),
     "authorized", "Payment authorized"),
    ("bigcommerce", dict(status_id=11, status="Awaiting Fulfillment", payment_status="captured"), "paid", "Paid"),
    ("bigcommerce", dict(status_id=7, status="Awaiting Payment", payment_status="pending"), "pending", "Placed"),
    ("bigcommerce", dict(status_id=6, status="Declined", payment_status="declined"), "failed", "Payment failed"),
    ("bigcommerce", dict(status_id=1, status="Pending", payment_status="declined"), "failed", "Payment failed"),
])
def test_payment_states_keep_the_platforms_meaning(platform, overrides, stored, customer_sees, receive, runner):
    order = receive(platform, **overrides)
    assert order.financial_status == FinancialStatus(stored)
    assert shown_json(runner, order)["customer_status"]["label"] == customer_sees


def test_partially_paid_and_failed_read_so_for_agents_and_customers(receive, client, agent):
    partly = receive("shopify", financial_status="partially_paid")
    assert "<dd>Partially paid</dd>" in staff_page(client, partly)
    page = customer_page(client, partly)
    assert done_steps(page) == ["Placed", "Partly paid"] and "<dd>Partially paid</dd>" in page
    db.session.delete(partly)
    db.session.commit()
    failed = receive("woocommerce", status="failed")
    assert "<dd>Payment failed</dd>" in staff_page(client, failed)
    page = customer_page(client, failed)
    assert done_steps(page) == ["Placed", "Payment failed"] and 'class="done step-payment_failed"' in page


# --- cancellations --------------------------------------------------------------------------------

CANCELLED = {
    "shopify": dict(financial_status="voided", cancelled_at="2024-03-02T09:00:00-05:00", cancel_reason="fraud"),
    "woocommerce": dict(status="cancelled", modified_gmt="2024-03-02T14:00:00"),
    "bigcommerce": dict(status_id=5, status="Cancelled", payment_status="void"),
}


@pytest.mark.parametrize("platform", CANCELLED)
def test_a_cancellation_keeps_its_reason_for_agents_only(platform, receive, client, agent, runner):
    order = receive(platform, **CANCELLED[platform])
    assert order.cancelled_at is not None and order.financial_status == FinancialStatus.VOIDED
    data = shown_json(runner, order)
    assert data["customer_status"] == {"key": "cancelled", "label": "Cancelled"}
    for page in (staff_page(client, order), sidebar(client, order)):
        assert re.search(r"Cancelled 3/2/24, \d", words(page))
        assert ("Reason: Fraudulent order" in page) is (platform == "shopify")
    customer = customer_page(client, order)
    assert "This order was cancelled." in customer and done_steps(customer)[-1] == "Cancelled"
    assert "Fraudulent" not in customer and "fraud" not in customer and "Reason" not in customer
    assert data["cancel_reason"] == ("fraud" if platform == "shopify" else None)


def test_an_unknown_cancel_reason_is_shown_as_the_shop_sent_it(receive, client, agent):
    order = receive("shopify", cancelled_at="2024-03-02T09:00:00-05:00", cancel_reason="warehouse flooded")
    assert "Reason: warehouse flooded" in staff_page(client, order)


# --- updates and odd payloads ---------------------------------------------------------------------

def test_an_update_replaces_the_note_tags_and_status(receive, deliver, client, agent):
    order = receive("shopify", **AUTHORIZED["shopify"])
    update = payloads.shopify_order(updated_at="2024-03-02T10:00:00-05:00", financial_status="paid",
                                    note=None, tags="")
    assert deliver(order.store, update, topic="orders/paid").status_code == 200
    order = the_order()
    assert (order.note, order.tags, order.platform_status) == (None, [], "paid / unfulfilled")
    page = staff_page(client, order)
    assert "Customer note" not in page and 'class="tag"' not in page and "<dd>Paid</dd>" in page


@pytest.mark.parametrize("tags", [None, 42, ["gift", " gift ", ""], "  "])
def test_odd_tags_never_fail_a_delivery(tags, receive):
    order = receive("shopify", tags=tags)
    assert order.tags == (["gift"] if isinstance(tags, list) else [])


# --- CSV import and French ------------------------------------------------------------------------

def test_csv_import_accepts_the_new_payment_states(runner, tmp_path):
    store = make_store(platform="manual")
    rows = ["2001,ana@example.com,Ana,2024-03-01T14:30:00+02:00,EUR,10.00,authorized,,,Mug,,1,10.00,,,,",
            "2002,ana@example.com,Ana,2024-03-01T14:30:00+02:00,EUR,10.00,failed,,,Mug,,1,10.00,,,,"]
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    result = runner.invoke(args=["orders", "import", str(path), "--store", str(store.id)])
    assert result.exit_code == 0, result.output
    shown = {n: json.loads(runner.invoke(args=["orders", "show", n, "--json"]).output) for n in ("2001", "2002")}
    assert shown["2001"]["customer_status"]["label"] == "Payment authorized"
    assert shown["2002"]["customer_status"]["label"] == "Payment failed"
    assert shown["2001"]["platform_status"] is None and shown["2001"]["tags"] == []
    path.write_text(HEADER + rows[0].replace("authorized", "authorised") + "\n")
    refused = runner.invoke(args=["orders", "import", str(path), "--store", str(store.id)])
    assert refused.exit_code == 1
    assert "financial_status 'authorised' is not one of pending, authorized, partially_paid, paid" in refused.output


def test_the_labels_in_french(receive, client, agent):
    from babel.messages.mofile import write_mo

    from tests.test_i18n import FRENCH_PO, read_catalogue

    mo = FRENCH_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < FRENCH_PO.stat().st_mtime:
        with mo.open("wb") as fh:
            write_mo(fh, read_catalogue(FRENCH_PO))
    order = receive("shopify", **AUTHORIZED["shopify"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    page = staff_page(client, order)
    assert "Note du client" in page and "<dd>Autorisé, non encaissé</dd>" in page and "Statut dans Shopify" in page
    customer = customer_page(client, order)
    assert "Paiement autorisé" in done_steps(customer) and "Paiement autorisé, pas encore débité" in customer
