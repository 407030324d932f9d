"""Erasure: asked from the portal with a password, done by a manager (page or `portal gdpr erase`)."""
import os

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit.models import AuditEvent
from portal.automation.models import CsatSurvey
from portal.channels.models import Contact, ContactIdentity
from portal.extensions import db
from portal.forum.models import Answer, Comment, Question
from portal.orders.models import Order
from portal.tickets import attachments as ticket_files
from portal.tickets.models import Ticket, TicketAttachment, TicketMessage
from tests.factories import PASSWORD, make_agent

ERASED_BODY = "This message was erased at the customer's request."


def erase(runner, email="alice@example.com"):
    result = runner.invoke(args=["gdpr", "erase", email, "--yes"])
    db.session.expire_all()
    return result


def messages_of(ticket) -> list[TicketMessage]:
    return list(db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                   .order_by(TicketMessage.id)))


def test_erasing_anonymises_the_account_and_contact_record(runner, world):
    result = erase(runner)
    assert result.exit_code == 0, result.output
    number = world.alice.id
    assert result.output.startswith(f"Erased alice@example.com as Erased customer #{number} (")
    user = db.session.get(User, number)
    assert user.email == f"erased-{number}@erased.invalid"
    assert user.name == f"Erased customer #{number}"
    assert (user.password_hash, user.active, user.locale, user.email_verified_at, user.last_login_at) == \
        (None, False, None, None, None)
    assert db.session.scalar(select(User).where(User.email == "alice@example.com")) is None
    contact = db.session.scalar(select(Contact).where(Contact.user_id == number))
    assert contact.name == f"Erased customer #{number}"
    assert db.session.scalars(select(ContactIdentity).where(ContactIdentity.contact_id == contact.id)).all() == []


def test_erasing_empties_their_messages_and_keeps_other_peoples_replies_readable(runner, world):
    path = ticket_files.path_of(db.session.scalars(select(TicketAttachment)).one())
    assert os.path.isfile(path)
    erase(runner)
    label = f"Erased customer #{world.alice.id}"
    ticket = db.session.get(Ticket, world.ticket.id)
    assert (ticket.requester_email, ticket.requester_name) == (f"erased-{world.alice.id}@erased.invalid", label)
    assert ticket.subject == f"Parcel for {label}"
    first, reply, note = messages_of(ticket)
    assert (first.body, first.body_html, first.attachments) == (ERASED_BODY, None, [])
    assert reply.body == f"Hello {label}, we wrote to {label} and to {label}: it ships on Monday with Colissimo."
    assert note.body == f"Internal: {label} asked twice, refund if late."
    assert not os.path.exists(path)
    assert db.session.scalars(select(TicketAttachment)).all() == []
    survey = db.session.get(CsatSurvey, world.survey.id)
    assert (survey.rating, survey.comment) == ("good", None)


def test_erasing_leaves_other_customers_untouched(runner, world):
    erase(runner)
    bob_ticket = db.session.get(Ticket, world.bob_ticket.id)
    assert (bob_ticket.requester_email, bob_ticket.requester_name, bob_ticket.subject) == \
        ("bob@example.com", "Bob Stone", "Bob's broken mug")
    assert [m.body for m in messages_of(bob_ticket)] == ["My mug arrived broken."]
    bob_order = db.session.get(Order, world.bob_order.id)
    assert (bob_order.email, bob_order.customer_name) == ("bob@example.com", "Bob Stone")
    assert db.session.get(User, world.bob.id).email == "bob@example.com"


def test_orders_keep_the_accounting_minimum_without_the_person(runner, world):
    erase(runner)
    order = db.session.get(Order, world.order.id)
    assert (order.number, str(order.total), order.currency, order.placed_at.isoformat()) == \
        ("1001", "54.89", "EUR", "2026-11-02T23:30:00")
    assert [item.title for item in order.items] == ["Linen shirt"]
    assert (order.email, order.customer_name, order.customer_id, order.note) == ("", "", None, None)
    assert (order.shipping_address, order.billing_address) == ({}, {})


def test_orders_go_entirely_when_accounting_does_not_keep_them(runner, app, world):
    app.config["ORDERS_KEEP_FOR_ACCOUNTING"] = False
    erase(runner)
    assert db.session.get(Order, world.order.id) is None
    assert db.session.get(Order, world.bob_order.id) is not None


def test_community_posts_stay_under_the_erased_name_without_identifiers(runner, world):
    erase(runner)
    label = f"Erased customer #{world.alice.id}"
    question = db.session.get(Question, world.question.id)
    assert question.author.name == label
    assert question.title == "Which size for a linen shirt?"
    assert question.body == f"I am {label}, write to {label} or {label}."
    assert question.ip is None
    assert db.session.get(Comment, world.comment.id).body == "Thanks, that helped me."
    assert db.session.get(Answer, world.bob_answer.id).body == "Take one size up, Alice."  # Bob's words are his


def test_mail_originals_are_deleted_and_the_record_forgets_the_sender(runner, world):
    assert os.path.isfile(world.raw_file)
    erase(runner)
    assert not os.path.exists(world.raw_file)
    db.session.refresh(world.inbound)
    assert (world.inbound.raw_name, world.inbound.from_email, world.inbound.from_name) == \
        (None, f"erased-{world.alice.id}@erased.invalid", "")


def test_erasure_is_recorded_and_a_second_run_changes_nothing(runner, world):
    erase(runner)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr.erased"))
    assert (event.actor_email, event.target_type, event.target_id) == ("", "user", str(world.alice.id))
    assert event.target_label == f"erased-{world.alice.id}@erased.invalid"
    assert {k: v for k, v in event.details.items() if k != "email_sha256"} == {
        "tickets": 1, "messages": 1, "attachments": 1, "orders": 1, "posts": 2, "mail_originals": 1}
    assert "alice" not in str(event.details)
    again = erase(runner)
    assert (again.exit_code, again.output) == (0, "alice@example.com was already erased; nothing to do.\n")
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "gdpr.erased")).all()) == 1
    by_new_address = erase(runner, f"erased-{world.alice.id}@erased.invalid")
    assert (by_new_address.exit_code, by_new_address.output) == (1, "Error: No customer with that email address.\n")


def test_the_command_line_says_what_is_wrong_in_one_line(runner, world):
    unknown = erase(runner, "nobody@example.com")
    assert (unknown.exit_code, unknown.output) == (1, "Error: No customer with that email address.\n")
    staff = erase(runner, "agent@example.com")
    assert (staff.exit_code, staff.output) == (1, "Error: This is a staff account: remove it from the team instead.\n")
    declined = runner.invoke(args=["gdpr", "erase", "alice@example.com"], input="n\n")
    assert declined.exit_code == 1
    assert declined.output.endswith("Error: nothing erased.\n")
    assert db.session.get(User, world.alice.id).email == "alice@example.com"


def test_a_customer_asks_for_erasure_with_their_password(client, login, world):
    login("alice@example.com")
    wrong = client.post("/portal/privacy/erase", data={"password": "not-my-password"})
    assert wrong.status_code == 400
    assert "Your password is incorrect." in wrong.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr.erasure_requested")) is None
    response = client.post("/portal/privacy/erase", data={"password": PASSWORD}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "We received your request." in page
    assert "Requested" in page and "Ask for erasure" not in page
    client.post("/portal/privacy/erase", data={"password": PASSWORD})  # twice: still one request
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "gdpr.erasure_requested")).all()
    assert [(e.actor_email, e.target_id) for e in events] == [("alice@example.com", str(world.alice.id))]
    assert db.session.get(User, world.alice.id).active  # nothing erased until a manager does it


def test_a_manager_sees_the_request_and_erases_from_the_page(app, client, login, world):
    login("alice@example.com")
    client.post("/portal/privacy/erase", data={"password": PASSWORD})
    client.post("/logout")
    manager = make_agent(role=Role.MANAGER, email="boss@example.com")
    login("boss@example.com")
    page = client.get("/staff/gdpr").get_data(as_text=True)
    assert "Alice Martin &lt;alice@example.com&gt;" in page
    unticked = client.post("/staff/gdpr/erase", data={"erase-email": "alice@example.com"})
    assert unticked.status_code == 400
    assert "Tick the box to confirm." in unticked.get_data(as_text=True)
    assert db.session.get(User, world.alice.id).email == "alice@example.com"
    done = client.post("/staff/gdpr/erase", data={"erase-email": "alice@example.com", "erase-confirm": "y"},
                       follow_redirects=True)
    label = f"Erased customer #{world.alice.id}"
    assert f"alice@example.com is erased: they now appear as {label}." in done.get_data(as_text=True)
    assert "No erasure request is waiting." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.alice.id).name == label
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr.erased"))
    assert event.actor_email == manager.email


def test_a_manager_gets_a_clear_message_for_an_unknown_address(client, login, world):
    make_agent(role=Role.MANAGER, email="boss@example.com")
    login("boss@example.com")
    response = client.post("/staff/gdpr/erase", data={"erase-email": "nobody@example.com", "erase-confirm": "y"})
    assert response.status_code == 400
    assert "No customer with that email address." in response.get_data(as_text=True)
    bad = client.post("/staff/gdpr/export", data={"export-email": "not an address"})
    assert bad.status_code == 400
    assert "Enter a valid email address." in bad.get_data(as_text=True)


def test_the_person_is_mailed_once_when_it_is_done(runner, world):
    from portal.mail import OutgoingMail

    erase(runner)
    erase(runner)
    mails = db.session.scalars(select(OutgoingMail)
                               .where(OutgoingMail.subject == "Your personal data was erased")).all()
    assert [mail.to for mail in mails] == ["alice@example.com"]
    assert "we erased your personal data from Comptoir" in mails[0].text
    assert "This is the last email we send to this address." in mails[0].text


def test_the_search_index_forgets_their_name_in_their_posts(app, runner, world):
    from portal.forum import queries as forum_queries

    assert forum_queries.search("Martin", "en").total >= 1
    erase(runner)
    assert forum_queries.search("Martin", "en").total == 0
