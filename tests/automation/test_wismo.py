""""Where is my order?" answered from the live order, late or stuck orders routed to a person, never to
flagged mail; the numbers managers see."""
from datetime import datetime

from portal.automation import wismo
from portal.automation.actor import system_actor
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import Priority, Status, TicketMessage
from tests.factories import make_agent, make_order, make_ticket


def at(clock, when):
    clock.advance(seconds=(when - clock.now()).total_seconds())


def public_replies(ticket):
    return [m for m in db.session.query(TicketMessage).filter_by(ticket_id=ticket.id).order_by(TicketMessage.id)
            if not m.is_note][1:]


def test_a_shipped_order_is_answered_with_its_tracking_and_the_ticket_waits(app, clock):
    at(clock, datetime(2026, 11, 4, 9, 0))
    order = make_order(email="bea@example.com", shipped=True)
    ticket = make_ticket(email="bea@example.com", subject="Où est ma commande ?", body="Toujours rien reçu.")
    assert wismo.answer(ticket, actor=system_actor()) == "answered"
    db.session.commit()
    reply = public_replies(ticket)[-1]
    assert order.number in reply.body and "https://www.laposte.fr/outils/suivre-vos-envois?code=6A123" in reply.body
    assert "Colissimo" in reply.body
    assert ticket.status == Status.PENDING and ticket.order_id == order.id and wismo.ANSWERED_TAG in ticket.tags


def test_the_answer_is_in_the_customers_language(app, clock):
    at(clock, datetime(2026, 11, 4, 9, 0))
    make_order(email="bea@example.com", shipped=True)
    ticket = make_ticket(email="bea@example.com", locale="fr")
    wismo.answer(ticket, actor=system_actor())
    db.session.commit()
    body = public_replies(ticket)[-1].body
    assert "Suivre le colis" in body or "Transporteur" in body


def test_an_order_not_shipped_past_the_promise_goes_to_a_person(app, clock):
    make_order(email="bea@example.com")  # placed 2 November, not shipped
    at(clock, datetime(2026, 11, 9, 9, 0))
    ticket = make_ticket(email="bea@example.com")
    assert wismo.answer(ticket, actor=system_actor()) == "routed: wismo-late"
    db.session.commit()
    assert not public_replies(ticket)
    assert ticket.priority == Priority.HIGH and wismo.LATE_TAG in ticket.tags and ticket.status != Status.PENDING


def test_tracking_that_has_not_moved_goes_to_a_person(app, clock):
    make_order(email="bea@example.com", shipped=True)  # shipped 3 November
    at(clock, datetime(2026, 11, 20, 9, 0))
    ticket = make_ticket(email="bea@example.com")
    assert wismo.answer(ticket, actor=system_actor()) == "routed: wismo-stuck"


def test_no_single_open_order_means_no_answer(app, clock):
    at(clock, datetime(2026, 11, 4, 9, 0))
    make_order(email="bea@example.com", shipped=True)
    make_order(email="bea@example.com", shipped=True)
    ticket = make_ticket(email="bea@example.com")
    assert wismo.answer(ticket, actor=system_actor()) == "skipped: no single order"
    assert not public_replies(ticket)
    stranger = make_ticket(email="nobody@example.com")
    assert wismo.answer(stranger, actor=system_actor()) == "skipped: no single order"


def test_flagged_mail_is_never_answered(app, runner, clock):
    from portal.channels.email import services as mail_services

    at(clock, datetime(2026, 11, 4, 9, 0))
    make_order(email="bea@example.com", shipped=True)
    mail_services.save_mailbox(name="Support", address="support@shop.example")
    db.session.commit()
    raw = (b"From: Bea <bea@example.com>\r\nTo: support@shop.example\r\nSubject: Where is my order?\r\n"
           b"Message-ID: <w1@example.com>\r\nAuthentication-Results: mx.shop.example; spf=fail; dkim=fail; "
           b"dmarc=fail\r\n\r\nWhere is it?\r\n")
    result = runner.invoke(args=["mail", "receive", "--json"], input=raw)
    assert result.exit_code == 0, result.output
    from portal.tickets.models import Ticket

    ticket = db.session.query(Ticket).one()
    assert wismo.answer(ticket, actor=system_actor()) == "skipped: flagged mail"
    assert not public_replies(ticket)


def test_stats_count_answered_routed_and_who_replied_anyway(app, clock):
    at(clock, datetime(2026, 11, 4, 9, 0))
    make_order(email="bea@example.com", shipped=True)
    make_order(email="sam@example.com", shipped=True)
    first = make_ticket(email="bea@example.com")
    second = make_ticket(email="sam@example.com")
    for ticket in (first, second):
        wismo.answer(ticket, actor=system_actor())
    db.session.commit()
    services.add_reply(first, body="Still nothing!", author=None, guest_email="bea@example.com")
    db.session.commit()
    assert wismo.stats() == {"answered": 2, "replied_anyway": 1, "routed": 0, "days": 30}
    make_agent()
