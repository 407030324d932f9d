"""The shipped out-of-hours rule: a request written while the team is away is told when the team is back, in the
customer's language; the reply is not the team's answer (status, waiting and first-response target unchanged);
never on live chat, to automatic mail or to flagged mail, and nothing during opening hours or on a 24/7 desk."""
import json
from datetime import datetime

import pytest
from sqlalchemy import select

from portal.automation import defaults, matching, rule_services, sla_settings
from portal.automation.models import BusinessCalendar
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import Channel, MessageKind, Status, Ticket, TicketMessage
from tests.automation.catalogues import compile_catalogues
from tests.automation.rule_helpers import runs
from tests.factories import make_agent, make_ticket

SATURDAY = datetime(2026, 11, 7, 10, 0)  # UTC; the team works Monday to Friday, 9:00-18:00 in Paris
WEDNESDAY = datetime(2026, 11, 4, 10, 0)


@pytest.fixture(scope="module", autouse=True)
def french():
    compile_catalogues()


def at(clock, when):
    clock.advance(seconds=(when - clock.now()).total_seconds())


@pytest.fixture
def desk(app):
    """The shipped rules and SLA policy, and the shop's opening hours."""
    defaults.install_defaults()
    sla_settings.install_defaults()
    sla_settings.save_calendar(name="Paris", timezone="Europe/Paris", is_default=True,
                               hours={day: "09:00-18:00" for day in range(5)})
    db.session.commit()
    return rule_services.builtin_rule(defaults.OUT_OF_HOURS)


def replies(ticket) -> list[str]:
    return [m.body for m in db.session.scalars(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind == MessageKind.PUBLIC).order_by(TicketMessage.id))][1:]


def test_a_request_at_the_weekend_is_told_when_the_team_is_back_and_still_waits_for_it(desk, clock):
    at(clock, SATURDAY)
    ticket = make_ticket(email="rose@example.com", subject="Gift cards", body="Do you sell gift cards?")
    [reply] = replies(ticket)
    assert "We will be back on Monday 9 November, 09:00" in reply
    assert ticket.status == Status.NEW and ticket.first_replied_at is None
    assert matching.Facts(ticket).awaiting_reply  # still waiting for the team's answer
    assert ticket.first_reply_due_at == datetime(2026, 11, 9, 12, 0)  # 4 business hours: Monday 13:00 in Paris
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "rose@example.com",
                                                         OutgoingMail.text.contains("We will be back"))).one()
    assert mail.headers["Auto-Submitted"] == "auto-replied"
    assert [m.id for m in db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "rose@example.com"))] \
        == [mail.id]  # it replaces the usual receipt: one automatic mail, not two
    at(clock, datetime(2026, 11, 9, 9, 30))
    services.add_reply(ticket, body="Yes, from 10 to 200 euros.", author=make_agent())
    db.session.commit()
    assert ticket.first_replied_at is not None and "met:first" in (ticket.sla_state or "")


def test_a_french_customer_reads_it_in_french(desk, clock):
    at(clock, SATURDAY)
    ticket = make_ticket(email="rose@example.com", locale="fr", subject="Cartes cadeaux", body="Vous en vendez ?")
    [reply] = replies(ticket)
    assert "Notre équipe est absente pour le moment" in reply and "lundi 9 novembre, 09:00" in reply


def test_nothing_during_opening_hours_on_live_chat_or_on_a_desk_open_all_the_time(desk, clock):
    at(clock, WEDNESDAY)
    assert replies(make_ticket(subject="Gift cards")) == []
    at(clock, SATURDAY)
    chat = make_ticket(channel=Channel.CHAT, subject="Chat")
    assert replies(chat) == [] and not runs(desk, chat)  # the widget already said no one is online
    for calendar in db.session.scalars(select(BusinessCalendar)):
        db.session.delete(calendar)
    db.session.commit()
    assert replies(make_ticket(subject="Gift cards")) == []  # no calendar: always open


def test_never_to_an_automatic_message_or_to_flagged_mail(desk, clock, runner):
    from portal.channels.email.models import Mailbox

    at(clock, SATURDAY)
    bot = make_ticket(meta={"auto_reply": True})
    assert replies(bot) == []
    assert json.loads(runs(desk, bot)[0].summary)[0]["skipped"] == "flagged"
    db.session.add(Mailbox(name="Support", address="support@shop.example"))
    db.session.commit()
    raw = ("From: Rose <rose@example.com>\nReply-To: other@elsewhere.example\nTo: support@shop.example\n"
           "Subject: Gift cards\nMessage-ID: <o1@mail.example.com>\n\nDo you sell gift cards?\n").encode()
    assert runner.invoke(args=["mail", "receive", "--json"], input=raw).exit_code == 0
    spoofed = db.session.scalars(select(Ticket).where(Ticket.channel == Channel.EMAIL)).one()
    assert replies(spoofed) == [] and json.loads(runs(desk, spoofed)[0].summary)[0]["skipped"] == "flagged"
    assert not db.session.scalars(select(OutgoingMail).where(OutgoingMail.text.contains("We will be back"))).all()


def test_a_ticket_already_answered_from_its_order_gets_no_second_auto_reply(desk, clock):
    from tests.factories import make_order

    at(clock, SATURDAY)
    make_order(email="bea@example.com", shipped=True)
    ticket = make_ticket(email="bea@example.com", subject="Where is my order?")
    [answer] = replies(ticket)
    assert "Here is where your order" in answer and "We will be back" not in answer
