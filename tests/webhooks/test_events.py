"""Ticket changes through the real services become the documented events, delivered to a real HTTP server;
internal notes stay in unless a subscription opts in; a rolled-back change sends nothing."""
import uuid
from datetime import datetime

from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.automation import csat
from portal.extensions import db
from portal.tickets import services as tickets
from portal.webhooks.models import OutgoingDelivery
from tests.automation.rule_helpers import make_rule
from tests.factories import make_agent, make_group, make_order, make_ticket, make_user


def deliveries() -> int:
    return db.session.scalar(select(func.count(OutgoingDelivery.id)))


def test_a_new_ticket_sends_ticket_created_and_its_first_message(app, receiver, subscribe):
    subscribe(receiver.url)
    ticket = make_ticket(subject="Où est mon colis ?", email="rose@example.com", name="Rose Martin",
                         body="Commande 1043, rien reçu.")
    assert receiver.types() == ["ticket.created", "message.created"]
    created, message = receiver.events()
    uuid.UUID(created["id"])
    assert created["id"] != message["id"]
    assert datetime.fromisoformat(created["occurred_at"].removesuffix("Z")) <= datetime.utcnow()
    assert created["occurred_at"].endswith("Z")
    assert created["ticket"] == {
        "number": ticket.number, "subject": "Où est mon colis ?", "status": "new", "priority": "normal",
        "channel": "web", "group": None, "assignee": None,
        "requester": {"name": "Rose Martin", "email": "rose@example.com"}, "tags": [],
        "created_at": created["ticket"]["created_at"], "updated_at": created["ticket"]["updated_at"],
        "urls": {"staff": f"http://localhost/staff/tickets/{ticket.number}", "customer": None}}
    first = created["message"]
    assert first == message["message"]
    assert first["body"] == "Commande 1043, rien reçu." and first["internal"] is False
    assert first["author_type"] == "customer" and first["channel"] == "web" and first["attachments"] == []
    headers = receiver.requests[0]["headers"]
    assert headers["X-Comptoir-Event"] == "ticket.created" and headers["Content-Type"] == "application/json"
    uuid.UUID(headers["X-Comptoir-Delivery"])


def test_replies_send_message_created_and_status_changes_ticket_updated(app, receiver, subscribe):
    agent = make_agent(name="Camille", email="camille@shop.example")
    ticket = make_ticket(email="rose@example.com")
    subscribe(receiver.url)
    tickets.add_reply(ticket, body="It left our warehouse today.", author=agent)
    db.session.commit()
    assert receiver.types() == ["message.created", "ticket.updated"]
    message, updated = receiver.events()
    assert message["message"]["author_type"] == "agent"
    assert message["message"]["author"] == {"name": "Camille", "email": "camille@shop.example"}
    assert message["message"]["body"] == "It left our warehouse today."
    assert updated["changes"] == [{"field": "status", "from": "new", "to": "open"}]
    tickets.add_reply(ticket, body="Thanks!", author=None, guest_email="rose@example.com")
    db.session.commit()
    assert receiver.types()[2:] == ["message.created"]  # open stays open: no field changed
    assert receiver.events()[2]["message"]["author_type"] == "customer"


def test_field_changes_solving_and_merging(app, receiver, subscribe):
    agent = make_agent(name="Camille")
    group = make_group(name="Shipping")
    ticket = make_ticket(email="rose@example.com")
    other = make_ticket(email="rose@example.com")
    subscribe(receiver.url, events=["ticket.updated", "ticket.solved"])
    tickets.set_priority(ticket, "high", actor=agent)
    tickets.assign(ticket, agent, actor=agent)
    tickets.set_group(ticket, group, actor=agent)
    tickets.set_tags(ticket, ["delivery", "vip"], actor=agent)
    db.session.commit()
    changes = [e["changes"] for e in receiver.events()]
    assert changes == [[{"field": "priority", "from": "normal", "to": "high"}],
                       [{"field": "assignee", "from": None, "to": "Camille"},
                        {"field": "status", "from": "new", "to": "open"}],
                       [{"field": "group", "from": None, "to": "Shipping"}],
                       [{"field": "tags", "from": [], "to": ["delivery", "vip"]}]]
    last = receiver.events()[-1]["ticket"]
    assert last["priority"] == "high" and last["group"] == "Shipping" and last["tags"] == ["delivery", "vip"]
    assert last["assignee"]["name"] == "Camille"
    tickets.change_status(ticket, "solved", actor=agent)
    db.session.commit()
    assert receiver.types()[-2:] == ["ticket.updated", "ticket.solved"]
    assert receiver.events()[-1]["ticket"]["status"] == "solved"

    from portal.tickets import bulk

    bulk.merge(other, ticket, actor=agent)
    db.session.commit()
    merged = receiver.events("ticket.updated")[-1]
    assert {"field": "merged_from", "from": None, "to": f"#{other.number}"} in merged["changes"]
    assert merged["ticket"]["number"] == ticket.number


def test_customer_solving_sends_ticket_solved(app, receiver, subscribe):
    customer = make_user(email="rose@example.com")
    ticket = make_ticket(requester=customer)
    subscribe(receiver.url, events=["ticket.solved"])
    tickets.customer_mark_solved(ticket, user=customer)
    db.session.commit()
    (solved,) = receiver.events()
    assert solved["type"] == "ticket.solved" and solved["ticket"]["status"] == "solved"
    assert solved["ticket"]["urls"]["customer"] == f"http://localhost/portal/tickets/{ticket.number}"


def test_linking_an_order_sends_order_linked(app, receiver, subscribe):
    agent = make_agent()
    order = make_order(number=20431, email="rose@example.com")
    ticket = make_ticket(email="rose@example.com")
    subscribe(receiver.url, events=["order.linked"])
    tickets.set_order(ticket, order, actor=agent)
    db.session.commit()
    (linked,) = receiver.events()
    assert linked["order"] == {"number": "20431", "store": order.store.name, "platform": "shopify",
                               "financial_status": "paid", "fulfillment_status": "unfulfilled", "total": "54.89",
                               "currency": "EUR", "placed_at": "2026-11-02T23:30:00Z"}
    tickets.set_order(ticket, None, actor=agent)  # unlinking is a ticket.updated only
    db.session.commit()
    assert len(receiver.events()) == 1


def test_a_new_ticket_that_names_its_order_sends_order_linked(app, receiver, subscribe):
    make_order(number=20432, email="rose@example.com")
    subscribe(receiver.url, events=["ticket.created", "order.linked"])
    make_ticket(email="rose@example.com", subject="Order #20432", body="Where is it?")
    assert receiver.types() == ["ticket.created", "order.linked"]
    assert receiver.events()[1]["order"]["number"] == "20432"


def test_a_satisfaction_answer_sends_csat_received(app, receiver, subscribe):
    agent = make_agent(name="Camille")
    ticket = make_ticket(email="rose@example.com")
    tickets.change_status(ticket, "solved", actor=agent)
    db.session.commit()
    survey = csat.survey_for(ticket)
    subscribe(receiver.url, events=["csat.received"])
    csat.record_answer(survey, rating="good", comment="Très rapide, merci")
    db.session.commit()
    (answer,) = receiver.events()
    assert answer["satisfaction"]["rating"] == "good" and answer["satisfaction"]["comment"] == "Très rapide, merci"
    assert answer["satisfaction"]["agent"]["name"] == "Camille" and answer["ticket"]["number"] == ticket.number


def test_each_subscription_gets_only_its_events(app, httpserver, subscribe):
    from tests.webhooks.conftest import Receiver

    solved_only, everything = Receiver(httpserver, "/solved"), Receiver(httpserver, "/all")
    subscribe(solved_only.url, events=["ticket.solved"], name="Solved")
    subscribe(everything.url, name="All")
    agent = make_agent()
    ticket = make_ticket()
    tickets.change_status(ticket, "solved", actor=agent)
    db.session.commit()
    assert solved_only.types() == ["ticket.solved"]
    assert everything.types() == ["ticket.created", "message.created", "ticket.updated", "ticket.solved"]
    assert solved_only.events()[0]["id"] == everything.events()[-1]["id"]  # one event, two deliveries
    assert solved_only.requests[0]["headers"]["X-Comptoir-Delivery"] != \
        everything.requests[-1]["headers"]["X-Comptoir-Delivery"]


def test_internal_notes_go_only_to_subscriptions_that_opt_in(app, httpserver, subscribe):
    from tests.webhooks.conftest import Receiver

    public, private = Receiver(httpserver, "/public"), Receiver(httpserver, "/private")
    subscribe(public.url, events=["message.created", "ticket.updated"], name="Public")
    subscribe(private.url, events=["message.created"], include_notes=True, name="Private")
    agent = make_agent()
    ticket = make_ticket()
    assert public.types() == private.types() == ["message.created"]  # the customer's first message
    tickets.add_note(ticket, body="Suspected fraud: check the card before refunding.", actor=agent)
    db.session.commit()
    assert len(public.requests) == 1
    note = private.events()[-1]
    assert note["message"]["internal"] is True and "fraud" in note["message"]["body"]
    assert note["message"]["author_type"] == "agent"
    tickets.add_reply(ticket, body="We are on it.", author=agent)
    db.session.commit()
    assert public.types() == ["message.created", "message.created", "ticket.updated"]
    assert b"fraud" not in b"".join(r["body"] for r in public.requests)


def test_a_rolled_back_change_sends_nothing(app, receiver, subscribe):
    subscribe(receiver.url)
    agent = make_agent()
    ticket = make_ticket()
    sent = len(receiver.requests)
    tickets.set_priority(ticket, "urgent", actor=agent)
    tickets.add_reply(ticket, body="Draft that never went out.", author=agent)
    db.session.rollback()
    assert deliveries() == sent and len(receiver.requests) == sent
    db.session.commit()  # the next commit does not pick up what was rolled back
    assert len(receiver.requests) == sent


def test_a_change_undone_by_a_savepoint_is_not_sent(app, receiver, subscribe):
    subscribe(receiver.url, events=["ticket.updated"])
    agent = make_agent()
    ticket = make_ticket()
    savepoint = db.session.begin_nested()
    tickets.set_priority(ticket, "urgent", actor=agent)
    savepoint.rollback()
    tickets.set_tags(ticket, ["kept"], actor=agent)
    db.session.commit()
    assert [e["changes"][0]["field"] for e in receiver.events()] == ["tags"]


def test_a_rules_changes_are_in_the_payload_and_send_their_own_events(app, receiver, subscribe):
    make_rule(name="Tag parcels", events=["opened"], actions=[{"type": "add_tags", "value": "parcel"}])
    subscribe(receiver.url, events=["ticket.created", "ticket.updated"])
    make_ticket(subject="Parcel lost")
    created, updated = receiver.events()
    assert created["ticket"]["tags"] == ["parcel"]  # the ticket as the transaction left it
    assert updated["changes"] == [{"field": "tags", "from": [], "to": ["parcel"]}]


def test_nothing_is_queued_for_a_disabled_subscription_or_without_one(app, receiver, subscribe):
    from portal.webhooks import services

    make_ticket()
    assert deliveries() == 0
    subscription, _ = subscribe(receiver.url)
    services.set_enabled(subscription, False)
    db.session.commit()
    make_ticket()
    assert deliveries() == 0 and receiver.requests == []


def test_a_manager_role_is_not_needed_for_events(app, receiver, subscribe):
    """Events come from every entry point: here a customer's reply through the portal service."""
    customer = make_user(role=Role.CUSTOMER, email="rose@example.com")
    ticket = make_ticket(requester=customer)
    subscribe(receiver.url, events=["message.created"])
    tickets.add_reply(ticket, body="Any news?", author=customer)
    db.session.commit()
    assert receiver.events()[0]["message"]["author"] == {"name": customer.name, "email": "rose@example.com"}


def test_a_payload_that_cannot_be_built_never_undoes_the_change(app, receiver, subscribe, monkeypatch):
    from portal.tickets.models import Ticket
    from portal.webhooks import events, payloads

    subscribe(receiver.url)
    logged = []

    def broken(ticket):
        raise RuntimeError("bug in a payload")

    monkeypatch.setattr(payloads, "ticket_data", broken)
    monkeypatch.setattr(events.log, "exception", lambda message, *args: logged.append(message % args))
    ticket = make_ticket(subject="Still saved")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).subject == "Still saved"
    assert deliveries() == 0 and logged == [f"webhook events of ticket {ticket.id} (opened) were not queued"]
