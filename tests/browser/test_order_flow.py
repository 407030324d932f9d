"""A customer asks "Where is my order?" from a shipped order; the agent sees the order beside the ticket and
answers with a macro that fills in the tracking link."""
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from portal.orders.data import ShipmentData
from tests.browser.mailbox import mails_to, text_of
from tests.factories import make_agent, make_order, make_store, make_user

pytestmark = pytest.mark.browser

CUSTOMER = "bea.buyer@example.com"
AGENT = "sam.agent@example.com"
TRACKING_NUMBER = "6A987654321"
TRACKING_URL = f"https://www.laposte.fr/outils/suivre-vos-envois?code={TRACKING_NUMBER}"
MACRO = "Tracking link"
MACRO_BODY = ("Hi {{ customer.first_name }}, your order {{ order.number }} is with {{ order.carrier }}.\n\n"
              "Follow it here: <{{ order.tracking_url }}>")


@pytest.fixture
def live_app_config(smtp_config):
    return smtp_config


@pytest.fixture
def shipped_order(live_app, make_shared_macro):
    """A verified customer with a shipped order (matched by address), an agent and a tracking macro."""
    make_user(email=CUSTOMER, name="Bea Buyer")
    make_agent(email=AGENT, name="Sam Agent")
    make_shared_macro(MACRO, MACRO_BODY)
    shipment = ShipmentData(external_id="f-1", carrier="Colissimo", tracking_number=TRACKING_NUMBER,
                            tracking_url=TRACKING_URL, shipped_at=datetime(2026, 11, 3, 8, 0))
    return make_order(make_store(), email=CUSTOMER, fulfillment_status="fulfilled", shipments=[shipment])


def test_where_is_my_order_request_gets_a_macro_reply_with_the_tracking_link(
        new_page, log_in, shipped_order, smtpd):
    number = shipped_order.number
    customer = log_in(new_page(), CUSTOMER)
    customer.get_by_role("navigation", name="My account").get_by_role("link", name="My orders").click()
    listed = customer.locator(".order-list li").filter(has_text=f"Order #{number}")
    expect(listed.locator(".badge")).to_have_text("Shipped")
    listed.get_by_role("link", name=f"Order #{number}").click()

    expect(customer.get_by_role("heading", level=1)).to_have_text(f"Order #{number}")
    delivery = customer.get_by_role("region", name="Delivery")
    expect(delivery).to_contain_text(f"Tracking number: {TRACKING_NUMBER}")
    expect(delivery.get_by_role("link", name="Track the parcel")).to_have_attribute("href", TRACKING_URL)
    customer.get_by_role("region", name="Need help with this order?").get_by_role(
        "link", name="Where is my order?").click()
    expect(customer.get_by_label("Subject")).to_have_value(f"Where is my order? (order #{number})")
    expect(customer.get_by_label("Topic")).to_have_value("where_is_my_order")
    customer.get_by_label("Message").fill("It has been a week and the parcel has not moved.")
    customer.get_by_role("button", name="Send my request").click()
    expect(customer).to_have_url(re.compile(r"/portal/tickets/\d+$"))
    ticket = int(customer.url.rsplit("/", 1)[1])

    agent = log_in(new_page(), AGENT)
    agent.goto("/staff/tickets/?view=unassigned")
    agent.locator("table.queue").get_by_role("link", name=f"Where is my order? (order #{number})").click()
    expect(agent).to_have_url(re.compile(rf"/staff/tickets/{ticket}$"))
    sidebar = agent.locator(".ticket-order")
    linked = sidebar.locator("p").first  # the linked order comes first, then the customer's recent orders
    expect(linked.get_by_role("link", name=f"#{number}", exact=True)).to_have_attribute(
        "href", f"/staff/orders/{shipped_order.id}")
    expect(sidebar.get_by_role("button", name="Unlink")).to_be_visible()
    expect(sidebar).to_contain_text("Shipped")
    expect(sidebar.get_by_role("link", name=TRACKING_NUMBER)).to_have_attribute("href", TRACKING_URL)

    agent.wait_for_load_state()  # desk.js (deferred) listens for the picker once the page has loaded
    agent.locator("#macro-picker").select_option(label=MACRO)
    expect(agent.get_by_label("Message")).to_have_value(
        f"Hi Bea, your order {number} is with Colissimo.\n\nFollow it here: <{TRACKING_URL}>")
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(agent.locator(".flash-success")).to_have_text("Reply sent.")

    customer.reload()
    reply = customer.locator(".thread .message-agent")
    expect(reply).to_contain_text(f"your order {number} is with Colissimo")
    expect(reply.get_by_role("link", name=TRACKING_URL)).to_have_attribute("href", TRACKING_URL)

    receipt, mailed_reply = mails_to(smtpd, CUSTOMER, 2)
    assert receipt["Subject"] == mailed_reply["Subject"] == f"[#{ticket}] Where is my order? (order #{number})"
    assert TRACKING_URL in text_of(mailed_reply)
