"""Orders for customers (portal, guest lookup), beside tickets for agents, auto-linking and macros."""
import re

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from portal.orders import linking
from portal.tickets import macros
from portal.tickets.models import Ticket
from tests.factories import make_agent, make_order, make_store, make_ticket, make_user


def test_customer_sees_own_orders_with_status_tracking_money_and_local_time(app, client, login):
    make_user(email="buyer@example.com")
    order = make_order(shipped=True)
    make_order(email="someone@example.com", number=777)
    login("buyer@example.com")
    listing = client.get("/portal/orders/").get_data(as_text=True)
    assert f"Order #{order.number}" in listing and "#777" not in listing and "Shipped" in listing
    page = client.get(f"/portal/orders/{order.id}").get_data(as_text=True)
    assert 'href="https://www.laposte.fr/outils/suivre-vos-envois?code=6A123"' in page
    assert "€54.89" in page and "Colissimo" in page and "Linen shirt" in page
    # placed 2026-11-02 23:30 UTC is 3 November 00:30 in Paris
    assert "11/3/26, 12:30\u202fAM" in page or "11/3/26, 12:30 AM" in page


def test_other_customers_orders_are_404_and_unverified_accounts_see_none(app, client, login):
    make_user(email="buyer@example.com")
    theirs = make_order(email="other@example.com")
    login("buyer@example.com")
    assert client.get(f"/portal/orders/{theirs.id}").status_code == 404
    assert client.get(f"/portal/orders/{theirs.id}/request/where_is_my_order").status_code == 404
    client.post("/logout")
    from portal.accounts import services as accounts

    accounts.register_customer(email="new@example.com", password="correct-horse-9")
    db.session.commit()
    mine = make_order(email="new@example.com")
    login("new@example.com")
    assert client.get(f"/portal/orders/{mine.id}").status_code == 404  # address not verified yet


def test_order_action_opens_a_linked_request_with_its_topic(app, client, login):
    make_user(email="buyer@example.com")
    order = make_order(shipped=True)
    login("buyer@example.com")
    form = client.get(f"/portal/orders/{order.id}/request/where_is_my_order").get_data(as_text=True)
    assert f"Where is my order? (order #{order.number})" in form
    response = client.post(f"/portal/orders/{order.id}/request/where_is_my_order",
                           data={"subject": "Where is it?", "body": "Not here yet.", "topic": "where_is_my_order"})
    ticket = db.session.scalar(db.select(Ticket))
    assert response.status_code == 302 and ticket.order_id == order.id and ticket.topic == "where_is_my_order"


def test_guest_lookup_shows_the_order_and_reveals_nothing_on_a_wrong_pair(app, client):
    order = make_order(shipped=True)
    found = client.post("/help/order-status", data={"number": f"#{order.number}", "email": "Buyer@Example.com"})
    assert found.status_code == 200 and b"Colissimo" in found.data
    wrong_email = client.post("/help/order-status", data={"number": order.number, "email": "x@example.com"})
    no_order = client.post("/help/order-status", data={"number": "999999", "email": "buyer@example.com"})
    assert wrong_email.status_code == no_order.status_code == 404
    strip = lambda r: re.sub(r'(value|content)="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong_email).replace(order.number, "N") == strip(no_order).replace("999999", "N")


def test_guest_lookup_is_rate_limited(app, client):
    app.config["ORDER_LOOKUP_MAX_PER_HOUR"] = 3
    for _ in range(3):
        client.post("/help/order-status", data={"number": "1", "email": "a@example.com"})
    limited = client.post("/help/order-status", data={"number": "1", "email": "a@example.com"})
    assert limited.status_code == 429 and b"Too many lookups" in limited.data


@pytest.mark.parametrize("text, links", [
    ("Where is my order #{n}?", True),
    ("Bonjour, ma commande {n} n'est pas arrivée", True),
    ("commande n° {n}", True),
    ("Order no. {n} is late", True),
    ("I have {n} reasons to be upset", False),
    ("order #99999999", False),
])
def test_auto_linking_in_english_and_french(app, text, links):
    customer = make_user(email="buyer@example.com")
    order = make_order(number=1043)
    ticket = make_ticket(requester=customer, subject="Help", body=text.format(n=order.number))
    assert (ticket.order_id == order.id) is links


def test_foreign_or_ambiguous_numbers_are_not_linked(app):
    customer = make_user(email="buyer@example.com")
    make_order(number=2001, email="stranger@example.com")
    ticket = make_ticket(requester=customer, subject="Order #2001")
    assert ticket.order_id is None
    store_b = make_store(name="Second shop")
    make_order(number=3001)
    make_order(number=3001, store=store_b)
    assert make_ticket(requester=customer, subject="order 3001").order_id is None
    assert linking.mentioned_numbers("commande n°1043 et #1044") == {"1043", "1044"}


def test_agent_sees_the_order_in_the_sidebar_links_unlinks_and_uses_order_macros(app, client, login):
    agent = make_agent(email="agent@example.com")
    customer = make_user(email="buyer@example.com", name="Bea Buyer")
    order = make_order(shipped=True)
    other = make_order(number=5555)
    ticket = make_ticket(requester=customer, subject=f"Where is order #{order.number}?")
    login("agent@example.com")
    page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert f"#{order.number}" in page and "6A123" in page and "https://shop.example.com/admin/orders/" in page
    assert f"#{other.number}" in page  # recent orders of the requester
    text = macros.render("Your parcel: {{ order.tracking_url }} ({{ order.carrier }}, {{ order.items }})",
                         macros.macro_context(ticket, agent, "Comptoir"))
    assert text == "Your parcel: https://www.laposte.fr/outils/suivre-vos-envois?code=6A123 (Colissimo, 1 × Linen shirt)"
    client.post(f"/staff/tickets/{ticket.number}/order", data={"unlink": "1"})
    db.session.refresh(ticket)
    assert ticket.order_id is None
    assert macros.render("{{ order.number }}", macros.macro_context(ticket, agent, "C")) == "[order.number]"
    client.post(f"/staff/tickets/{ticket.number}/order", data={"order": str(other.number)})
    db.session.refresh(ticket)
    assert ticket.order_id == other.id


def test_staff_order_page_search_and_carrier_follow_up(app, client, login):
    make_agent(email="agent@example.com")
    order = make_order(shipped=True)
    login("agent@example.com")
    for q in (order.number, "buyer@example.com", "Bea", "6A123"):
        assert f"/staff/orders/{order.id}" in client.get(f"/staff/orders/?q={q}").get_data(as_text=True), q
    page = client.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    assert "Linen shirt" in page and "Colissimo" in page
    response = client.post(f"/staff/orders/{order.id}/log", data={"subject": "Lost at depot",
                                                                  "note": "Called Colissimo, claim 42."})
    follow = db.session.scalar(db.select(Ticket).where(Ticket.order_id == order.id))
    assert follow.status.value == "on_hold" and response.status_code == 302
    assert "Lost at depot" in client.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    from portal.tickets import queries as ticket_queries

    note = [m for m in ticket_queries.thread(follow, include_notes=True) if m.body == "Called Colissimo, claim 42."]
    assert len(note) == 1 and note[0].is_note
    assert "Called Colissimo" not in [m.body for m in ticket_queries.thread(follow, include_notes=False)]


def test_order_pages_are_staff_only_and_stores_manager_only(app, client, login):
    order = make_order()
    make_user(email="cust@example.com")
    make_agent(email="agent@example.com")
    make_user(email="boss@example.com", role=Role.MANAGER)
    login("cust@example.com")
    assert client.get(f"/staff/orders/{order.id}").status_code == 404
    client.post("/logout")
    login("agent@example.com")
    assert client.get("/staff/settings/stores").status_code == 404
    client.post("/logout")
    login("boss@example.com")
    created = client.post("/staff/settings/stores", data={"platform": "woocommerce", "name": "Woo", "domain":
                                                          "woo.example.com", "timezone": "Europe/Paris",
                                                          "webhook_secret": "woo-secret-123456"})
    assert created.status_code == 302
    page = client.get(created.location).get_data(as_text=True)
    assert "/hooks/woocommerce/" in page and "woo-secret-123456" not in page and "3456" in page
    bad = client.post("/staff/settings/stores", data={"platform": "shopify", "name": "X", "domain": "x.com",
                                                      "timezone": "Mars/Base"})
    assert bad.status_code == 400 and b"webhook secret" in bad.data
