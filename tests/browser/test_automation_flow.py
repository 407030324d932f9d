"""Automation end to end in a real browser: a manager routes "colis" requests to Shipping and sets an SLA,
a customer writes through the contact form, the queue shows the due time, time passes and the SLA warns
then escalates, the agent replies and solves, and the mailed survey's answer shows on the ticket."""
import email
import re
import time
from email.policy import default as email_policy

import pytest
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.automation import csat, sla
from portal.extensions import db
from portal.tickets.models import Ticket
from tests.browser.mailbox import text_of
from tests.factories import make_agent, make_group, make_user

pytestmark = pytest.mark.browser

MANAGER = "mia.manager@example.com"
AGENT = "sam.shipping@example.com"
CUSTOMER = "lea.dupont@example.com"
SUBJECT = "Mon colis n'est pas arrivé"


@pytest.fixture
def live_app_config(smtp_config):
    return smtp_config


@pytest.fixture
def team(live_app):
    """A manager, and an agent who works the Shipping group's tickets."""
    make_user(role=Role.MANAGER, email=MANAGER, name="Mia Manager")
    agent = make_agent(scope="groups", email=AGENT, name="Sam Shipping")
    return agent, make_group("Shipping", members=[agent])


def mail_to(smtpd, address: str, words: str, timeout: float = 5.0):
    """The first mail to `address` whose subject or text holds `words`, once the SMTP server has it."""
    deadline = time.monotonic() + timeout
    while True:
        for envelope in list(smtpd.inbox.envelopes):
            message = email.message_from_bytes(envelope.content, policy=email_policy)
            if envelope.rcpt_tos == [address] and (words in str(message["Subject"]) or words in text_of(message)):
                return message
        assert time.monotonic() < deadline, f"no mail to {address} with {words!r}"
        time.sleep(0.05)  # polls the SMTP server's inbox until the deadline


def queue_row(page, subject: str):
    return page.locator("table.queue tbody tr").filter(has_text=subject)


def create_rule(manager):
    manager.goto("/staff/settings/rules/new")
    manager.get_by_label("Name").fill("Parcels to Shipping")
    manager.get_by_label("Ticket created").check()
    manager.get_by_label("Condition 1: field").select_option(label="Subject")
    manager.get_by_label("Condition 1: operator").select_option(label="contains any of")
    manager.get_by_label("Condition 1: value").fill("colis")
    manager.get_by_label("Action 1: what to do").select_option(label="Set group")
    manager.get_by_label("Action 1: value").fill("Shipping")
    manager.get_by_role("button", name="Save").click()
    expect(manager.locator(".flash-success")).to_contain_text("Rule “Parcels to Shipping” saved.")


def create_policy(manager):
    manager.goto("/staff/settings/sla/new")
    manager.get_by_label("Name").fill("Shipping")
    manager.get_by_label("First response within").fill("2h")
    manager.get_by_label("Resolution within").fill("2d")
    manager.get_by_role("group", name="Groups (none ticked: all)").get_by_label("Shipping").check()
    manager.get_by_label("Warn this long before a target").fill("30m")
    manager.get_by_role("group", name="When a target is near").get_by_label("Mail the group").check()
    missed = manager.get_by_role("group", name="When a target is missed")
    missed.get_by_label("Mail the group").check()
    missed.get_by_label("Raise the priority").check()
    missed.get_by_label("Add a tag").check()
    manager.get_by_label("Tag to add when missed").fill("sla-missed")
    manager.get_by_role("button", name="Save").click()
    expect(manager.locator(".flash-success")).to_contain_text("SLA policy saved.")
    expect(manager.get_by_role("link", name="Shipping")).to_be_visible()


def sweep():
    """The worker's minute job, run through the same service."""
    done = sla.sweep()
    db.session.expire_all()
    return done


def test_routing_sla_escalation_reply_and_survey_end_to_end(new_page, log_in, team, smtpd, clock):
    manager = log_in(new_page(), MANAGER)
    create_rule(manager)
    create_policy(manager)

    customer = new_page()
    customer.goto("/help/contact")
    customer.get_by_label("Your email").fill(CUSTOMER)
    customer.get_by_label("Your name").fill("Léa Dupont")
    customer.get_by_label("Subject").fill(SUBJECT)
    customer.get_by_label("Message").fill("Commandé il y a dix jours, toujours rien. Pouvez-vous vérifier ?")
    customer.get_by_role("button", name="Send my request").click()
    expect(customer).to_have_url(re.compile(r"/help/contact/sent"))
    ticket = db.session.query(Ticket).filter_by(subject=SUBJECT).one()
    assert ticket.group.name == "Shipping" and ticket.first_reply_due_at is not None

    agent = log_in(new_page(), AGENT)
    agent.goto("/staff/tickets/?view=groups&sort=sla")
    row = queue_row(agent, SUBJECT)
    expect(row).to_contain_text("Shipping")
    expect(row.locator(".sla")).to_have_text(re.compile(r"^Due in (2 h|1 h 59)$"))
    expect(row).to_contain_text("first response")

    clock.advance(hours=1, minutes=40)  # 20 minutes left: inside the 30-minute warning
    assert sweep() == {"warned": 1, "breached": 0}
    assert SUBJECT in str(mail_to(smtpd, AGENT, "SLA due soon: first response")["Subject"])
    agent.reload()
    expect(row.locator(".sla")).to_have_text(re.compile(r"^Due soon: in (20|19) min$"))
    expect(row.locator(".sla")).to_have_class(re.compile(r"\bsla-soon\b"))

    clock.advance(minutes=30)  # 10 minutes late
    assert sweep() == {"warned": 0, "breached": 1}
    mail_to(smtpd, AGENT, "SLA breached: first response")
    agent.reload()
    expect(row.locator(".sla")).to_have_text(re.compile(r"^Overdue by (10|9) min$"))
    expect(row.locator(".sla")).to_have_class(re.compile(r"\bsla-overdue\b"))
    expect(row.locator(".tag")).to_have_text(["sla-missed"])
    expect(row).to_contain_text("High")  # the breach raised the priority

    row.get_by_role("link", name=SUBJECT).click()
    agent.wait_for_load_state("load")  # desk.js is deferred
    expect(agent.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    side = agent.get_by_role("complementary", name="Ticket details")
    expect(side.locator(".sla-summary")).to_contain_text(re.compile(r"First response\s*Overdue by (10|9) min"))
    expect(agent.locator(".message-note")).to_have_text([re.compile("The first response target is due soon."),
                                                         re.compile("The first response target was missed.")])
    agent.get_by_label("Message").fill("Bonjour Léa, votre colis est reparti ce matin : livraison demain.")
    agent.get_by_label("Then set status").select_option(label="Solved")
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(agent.locator(".flash-success")).to_have_text("Reply sent.")
    expect(side.locator(".sla-summary")).to_contain_text(re.compile(r"First response\s*Missed"))
    expect(side.locator(".csat-result")).to_contain_text("Survey to be sent")
    mail_to(smtpd, CUSTOMER, "votre colis est reparti ce matin")

    clock.advance(hours=25)
    assert csat.send_due() == 1
    db.session.commit()  # the survey mail goes out after the commit
    survey_mail = mail_to(smtpd, CUSTOMER, "How did we do?")
    path = re.search(r"http://[^/\s]+(/survey/[\w-]+/good)", text_of(survey_mail)).group(1)

    customer.goto(path)
    expect(customer.get_by_role("heading", level=1)).to_have_text("How did we do?")
    expect(customer.get_by_label("Good")).to_be_checked()
    customer.get_by_label("Comment (optional)").fill("Rapide et aimable.")
    customer.get_by_role("button", name="Send").click()
    expect(customer.get_by_text("Thank you! Your answer was recorded.")).to_be_visible()

    agent.reload()
    result = side.locator(".csat-result")
    expect(result).to_contain_text("Rated: Good")
    expect(result).to_contain_text("Rapide et aimable.")
