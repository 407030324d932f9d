"""A request from the portal to solved: article suggestions, an attachment, an internal note, a macro reply,
the customer's answer, and the whole conversation threaded by mail through a real SMTP server."""
import base64
import re

import pytest
from playwright.sync_api import expect

from portal.kb import categories as category_services
from tests.browser.mailbox import mails_to, text_of
from tests.factories import make_agent, make_article, make_user

pytestmark = pytest.mark.browser

CUSTOMER = "chloe.martin@example.com"
AGENT = "alex.agent@example.com"
ARTICLE = "Exchange a gift voucher for store credit"
SUBJECT = "Can I exchange my gift voucher"
NOTE = "Internal: loyal customer, offer free shipping on the exchange."
MACRO = "Gift voucher exchange"
MACRO_BODY = "Hi {{ customer.first_name }},\n\nThank you for the photo: we will exchange the voucher this week."
# A 1x1 transparent PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


@pytest.fixture
def live_app_config(smtp_config):
    return smtp_config


@pytest.fixture
def people(live_app, make_shared_macro):
    """A customer, an agent, a published article the subject should suggest, and a shared macro."""
    make_article(category=category_services.get_category("orders"), title=ARTICLE, slug="gift-voucher-exchange",
                 summary="Swap a voucher for store credit.")
    make_shared_macro(MACRO, MACRO_BODY)
    return make_user(email=CUSTOMER, name="Chloé Martin"), make_agent(email=AGENT, name="Alex Agent")


def status_badge(page):
    return page.locator(".ticket-head .badge[class*=badge-status-]")


def test_portal_request_to_solved_with_note_macro_attachment_and_threaded_mail(
        new_page, log_in, people, smtpd):
    _, agent_user = people
    customer = log_in(new_page(), CUSTOMER)
    customer.goto("/portal/tickets/new")
    customer.get_by_label("Subject").press_sequentially(SUBJECT, delay=10)
    suggestions = customer.locator(".request-suggestions")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("link", name=ARTICLE)).to_have_attribute(
        "href", re.compile(r"/help/en/articles/gift-voucher-exchange$"))
    customer.get_by_label("Message").fill("The voucher expires soon; a photo of it is attached.")
    customer.get_by_label("Attachments (optional)").set_input_files(
        {"name": "voucher.png", "mimeType": "image/png", "buffer": PNG})
    customer.get_by_role("button", name="Send my request").click()
    expect(customer).to_have_url(re.compile(r"/portal/tickets/\d+$"))
    number = int(customer.url.rsplit("/", 1)[1])
    expect(customer.locator(".flash-success")).to_contain_text(f"Your request #{number} was sent.")

    agent = log_in(new_page(), AGENT)
    agent.get_by_role("navigation", name="Staff").get_by_role("link", name="Tickets").click()
    agent.get_by_role("navigation", name="Views").get_by_role("link", name=re.compile("^Unassigned")).click()
    expect(agent).to_have_url(re.compile(r"view=unassigned"))
    row = agent.locator("table.queue tbody tr").filter(has_text=SUBJECT)
    expect(row).to_contain_text("Chloé Martin")
    row.get_by_role("link", name=SUBJECT).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(agent.locator(".thread").get_by_role("link", name="voucher.png")).to_be_visible()
    agent.get_by_role("button", name="Take it").click()
    expect(agent.locator(".flash-success")).to_have_text("You took this ticket.")
    expect(agent.get_by_label("Assignee")).to_have_value(str(agent_user.id))
    expect(status_badge(agent)).to_have_text("Open")

    agent.get_by_label("Type").select_option(label="Internal note")
    agent.get_by_label("Message").fill(NOTE)
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(agent.locator(".flash-success")).to_have_text("Note added.")
    expect(agent.locator(".message-note")).to_contain_text(NOTE)

    expect(agent.get_by_label("Type")).to_have_value("public")
    agent.wait_for_load_state()  # desk.js (deferred) listens for the picker once the page has loaded
    agent.locator("#macro-picker").select_option(label=MACRO)
    expect(agent.get_by_label("Message")).to_have_value(re.compile(r"^Hi Chloé,\n\nThank you for the photo"))
    agent.get_by_label("Then set status").select_option(label="Pending")
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(agent.locator(".flash-success")).to_have_text("Reply sent.")
    expect(status_badge(agent)).to_have_text("Pending")

    customer.reload()
    thread = customer.locator(".thread")
    expect(thread.locator(".message-agent")).to_contain_text("Hi Chloé,")
    expect(thread.locator(".message-agent")).to_contain_text("Thank you for the photo")
    expect(thread).not_to_contain_text(NOTE)
    expect(thread.locator(".message")).to_have_count(2)
    attachment = thread.get_by_role("link", name="voucher.png")
    expect(attachment).to_have_attribute("href", re.compile(rf"^/portal/tickets/{number}/files/\d+$"))
    download = customer.request.get(attachment.get_attribute("href"))
    assert download.ok and download.headers["content-type"] == "image/png" and download.body() == PNG
    customer.get_by_label("Your reply").fill("Perfect, thank you!")
    customer.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator(".flash-success")).to_have_text("Your reply was sent.")

    agent.reload()
    expect(status_badge(agent)).to_have_text("Open")
    expect(agent.locator(".thread .message-customer").last).to_contain_text("Perfect, thank you!")
    agent.get_by_label("Status", exact=True).select_option(label="Solved")
    agent.get_by_role("complementary", name="Ticket details").get_by_role("button", name="Save", exact=True).click()
    expect(agent.locator(".flash-success")).to_have_text("Ticket updated.")
    expect(status_badge(agent)).to_have_text("Solved")

    mails = mails_to(smtpd, CUSTOMER, 3)
    assert len(mails) == 3, [m["Subject"] for m in mails]  # receipt, reply, solved: nothing about the note
    receipt, reply, solved = mails
    root = receipt["Message-ID"]
    assert re.fullmatch(rf"<ticket-{number}@[^>]+>", root), root
    for mail in (receipt, reply, solved):
        assert mail["Subject"] == f"[#{number}] {SUBJECT}"
        assert mail["In-Reply-To"] == root and root in mail["References"]
        assert NOTE not in text_of(mail)
    assert reply["Message-ID"] != root != solved["Message-ID"]
    assert "Hi Chloé," in text_of(reply)
    assert "solved" in text_of(solved).lower()
