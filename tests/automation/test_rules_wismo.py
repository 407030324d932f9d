"""The shipped "where is my order" rule: a new ticket tagged by the intent rule is answered from the live order
(in the customer's language, set pending) or sent to a person (late, stuck), never twice and never to flagged
mail; a manager disables or edits it on the rules page and sees its figures there and in `portal rules`."""
import json
import re
from datetime import datetime
from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.automation import defaults, rule_services, wismo
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import AuthorKind, MessageKind, Priority, Status, TicketMessage
from tests.automation.catalogues import compile_catalogues
from tests.automation.rule_helpers import runs
from tests.factories import make_agent, make_order, make_ticket, make_user

URL = "/staff/settings/rules/"


@pytest.fixture(scope="module", autouse=True)
def french():
    compile_catalogues()


@pytest.fixture
def shipped(app, clock):
    clock.advance(seconds=(datetime(2026, 11, 4, 9, 0) - clock.now()).total_seconds())  # Wednesday 4 November
    defaults.install_defaults()
    db.session.commit()
    return rule_services.builtin_rule(defaults.WISMO)


def replies(ticket) -> list[TicketMessage]:
    """Public messages after the customer's first one."""
    return list(db.session.scalars(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind == MessageKind.PUBLIC).order_by(TicketMessage.id)))[1:]


def outcomes(rule, ticket) -> list[dict]:
    return [json.loads(run.summary)[0] for run in runs(rule, ticket)]


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_a_french_where_is_my_order_is_answered_from_the_live_order_and_waits(shipped):
    order = make_order(email="bea@example.com", shipped=True)
    ticket = make_ticket(email="bea@example.com", locale="fr", subject="Où est ma commande ?", body="Toujours rien.")
    [reply] = replies(ticket)
    assert reply.author_kind == AuthorKind.AGENT and "Suivre le colis" in reply.body and "Colissimo" in reply.body
    assert "https://www.laposte.fr/outils/suivre-vos-envois?code=6A123" in reply.body and order.number in reply.body
    assert ticket.status == Status.PENDING and ticket.order_id == order.id
    assert {"intent-where-is-my-order", wismo.ANSWERED_TAG} <= set(ticket.tags)  # the intent rule ran first
    assert outcomes(shipped, ticket) == [{"type": "answer_order", "shown": "", "result": "answered"}]
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "bea@example.com",
                                                         OutgoingMail.text.contains("6A123"))).one()
    assert mail.headers["Auto-Submitted"] == "auto-replied"  # other machines must not answer it


def test_an_order_linked_as_the_ticket_opens_is_answered_once(shipped):
    make_order(email="bea@example.com", shipped=True)
    order = make_order(email="bea@example.com", shipped=True, number=4711)
    ticket = make_ticket(email="bea@example.com", subject="Where is my order 4711?", body="Tracking please.")
    assert ticket.order_id == order.id and len(replies(ticket)) == 1 and len(runs(shipped, ticket)) == 1
    agent = make_agent()
    services.set_order(ticket, make_order(email="bea@example.com", shipped=True), actor=agent)
    db.session.commit()
    assert len(replies(ticket)) == 1 and len(runs(shipped, ticket)) == 1


def test_without_a_single_open_order_it_waits_for_the_order_to_be_linked(shipped, client, login):
    first = make_order(email="bea@example.com", shipped=True)
    second = make_order(email="bea@example.com", shipped=True)
    ticket = make_ticket(email="bea@example.com", subject="Where is my parcel?")
    assert not replies(ticket) and outcomes(shipped, ticket)[0]["skipped"] == "no-order"
    agent = make_agent(email="ana@example.com")
    services.set_order(ticket, second, actor=agent)
    db.session.commit()
    assert len(replies(ticket)) == 1 and second.number in replies(ticket)[0].body
    services.set_order(ticket, first, actor=agent)
    db.session.commit()
    assert len(replies(ticket)) == 1 and len(runs(shipped, ticket)) == 2  # never a second answer
    login(agent.email)
    html = page(client.get(f"/staff/tickets/{ticket.number}"))
    assert "skipped: no linked order, and not exactly one open order for this customer" in html
    assert "answered from the order; the ticket waits for the customer" in html


@pytest.mark.parametrize("shipped_order, when, tag, words", [
    (False, datetime(2026, 11, 9, 9, 0), wismo.LATE_TAG, "sent to a person: the order was not shipped in time"),
    (True, datetime(2026, 11, 20, 9, 0), wismo.STUCK_TAG, "sent to a person: the tracking has not moved"),
])
def test_a_late_or_stuck_order_goes_to_a_person_with_priority_high(shipped, clock, client, login, shipped_order,
                                                                   when, tag, words):
    order = make_order(email="bea@example.com", shipped=shipped_order)
    clock.advance(seconds=(when - clock.now()).total_seconds())
    ticket = make_ticket(email="bea@example.com", subject="Where is my order?")
    assert not replies(ticket) and ticket.priority == Priority.HIGH and tag in ticket.tags
    assert ticket.status == Status.NEW and outcomes(shipped, ticket)[0]["result"] == f"routed: {tag}"
    agent = make_agent(email="ana@example.com")
    services.set_order(ticket, None, actor=agent)
    services.set_order(ticket, order, actor=agent)  # linked again by hand: still a person's job
    db.session.commit()
    assert not replies(ticket) and len(runs(shipped, ticket)) == 1
    login(agent.email)
    assert words in page(client.get(f"/staff/tickets/{ticket.number}"))


def test_flagged_mail_is_never_answered(shipped, runner):
    from portal.channels.email import services as mail_services
    from portal.tickets.models import Ticket

    make_order(email="bea@example.com", shipped=True)
    mail_services.save_mailbox(name="Support", address="support@shop.example")
    db.session.commit()
    raw = (b"From: Bea <bea@example.com>\r\nTo: support@shop.example\r\nSubject: Where is my order?\r\n"
           b"Message-ID: <w2@example.com>\r\nAuthentication-Results: mx.shop.example; spf=fail; dkim=fail; "
           b"dmarc=fail\r\n\r\nWhere is it?\r\n")
    assert runner.invoke(args=["mail", "receive", "--json"], input=raw).exit_code == 0
    ticket = db.session.scalars(select(Ticket)).one()
    assert "intent-where-is-my-order" in ticket.tags and not replies(ticket)
    assert outcomes(shipped, ticket)[0]["skipped"] == "flagged" and ticket.order_id is None
    assert not db.session.scalars(select(OutgoingMail).where(OutgoingMail.text.contains("6A123"))).all()


def test_a_manager_disables_and_edits_the_rule_on_the_rules_page(shipped, client, login):
    login(make_user(role=Role.MANAGER).email)
    edit = page(client.get(f"{URL}{shipped.id}"))
    assert re.search(r'<option selected value="answer_order">Answer from the order \(where is my order\)', edit)
    assert 'value="intent-where-is-my-order"' in edit
    client.post(f"{URL}{shipped.id}/enabled", data={"enabled": "0"})
    make_order(email="bea@example.com", shipped=True)
    quiet = make_ticket(email="bea@example.com", subject="Where is my order?")
    assert not replies(quiet) and not runs(shipped, quiet)
    client.post(f"{URL}{shipped.id}/enabled", data={"enabled": "1"})
    data = {"name": "WISMO on tag only", "kind": "trigger", "events": ["opened"], "match": "all",
            "conditions-0-field": "tags", "conditions-0-op": "has", "conditions-0-value": "intent-where-is-my-order",
            "actions-0-type": "answer_order", "actions-0-value": ""}
    assert client.post(f"{URL}{shipped.id}", data=data).status_code == 302
    db.session.expire_all()
    assert shipped.name == "WISMO on tag only" and shipped.builtin == defaults.WISMO
    assert shipped.actions == [{"type": "answer_order", "value": None}]
    make_order(email="sam@example.com", shipped=True)
    assert len(replies(make_ticket(email="sam@example.com", subject="Where is my parcel?"))) == 1


def test_managers_see_how_many_were_answered_replied_anyway_and_sent_to_a_person(shipped, client, login, runner,
                                                                                 clock):
    for email in ("bea@example.com", "sam@example.com"):
        make_order(email=email, shipped=True)
        make_ticket(email=email, subject="Where is my order?")
    first = db.session.scalars(select(TicketMessage.ticket_id).where(TicketMessage.body.contains("Here is"))).first()
    from portal.tickets.models import Ticket

    services.add_reply(db.session.get(Ticket, first), body="Still nothing!", author=None, trusted_sender=True)
    db.session.commit()
    make_order(email="rose@example.com", placed_at=datetime(2026, 10, 20, 9, 0))  # not shipped after two weeks
    make_ticket(email="rose@example.com", subject="Où est ma commande ?")
    assert wismo.stats() == {"answered": 2, "replied_anyway": 1, "routed": 1, "days": 30}
    login(make_user(role=Role.MANAGER).email)
    html = page(client.get(URL))
    row = html[html.index(shipped.name):]
    row = row[:row.index("</tr>")]
    assert "Last 30 days:" in row
    assert re.search(r"<dt>Answered from the order</dt><dd>2</dd>\s*<dt>Customers who replied anyway</dt><dd>1</dd>"
                     r"\s*<dt>Sent to a person</dt><dd>1</dd>", row)
    cli = runner.invoke(args=["rules", "wismo-stats", "--json"])
    assert cli.exit_code == 0 and json.loads(cli.output) == {"answered": 2, "replied_anyway": 1, "routed": 1,
                                                             "days": 30}
    text = "Where is my order, last 30 days: 2 answered from the order, 1 customers replied anyway, 1 sent to a person."
    assert runner.invoke(args=["rules", "wismo-stats"]).output.strip() == text
    assert text in runner.invoke(args=["rules", "list"]).output
    clock.advance(days=31)
    assert json.loads(runner.invoke(args=["rules", "wismo-stats", "--days", "7", "--json"]).output)["answered"] == 0
    wrong = runner.invoke(args=["rules", "wismo-stats", "--days", "0"])
    assert wrong.exit_code == 2 and "--days" in wrong.output
