"""The ticket service layer: transitions, replies, notes, merge, follow-ups, scopes and guessed ids."""
import io

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import bulk, queries, services
from portal.tickets.models import MessageKind, Priority, Status, TicketEvent
from portal.tickets.services import StaleTicket
from tests.factories import make_agent, make_group, make_ticket, make_user


def mails_to(address):
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == address).order_by(OutgoingMail.id)))


def events(ticket, kind):
    return list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                             TicketEvent.kind == kind)))


def test_open_ticket_numbers_sequentially_and_mails_a_receipt(app):
    first = make_ticket(email="ana@example.com", subject="Where is my parcel?")
    second = make_ticket(email="bob@example.com")
    assert second.number == first.number + 1 and first.number > 1000
    assert first.status == Status.NEW and first.requester_id is None
    receipt = mails_to("ana@example.com")[0]
    assert receipt.subject == f"[#{first.number}] Where is my parcel?"
    assert f"#{first.number}" in receipt.text and "My parcel has not arrived." in receipt.text
    assert receipt.message_id == f"<ticket-{first.number}@localhost>"


def test_bad_input_changes_nothing(app):
    for values, field in (({"subject": " ", "email": "a@example.com"}, "subject"),
                          ({"body": "", "email": "a@example.com"}, "body"),
                          ({"email": "not-an-address"}, "email"),
                          ({"email": "a@example.com", "topic": "nonsense"}, "topic")):
        with pytest.raises(ValidationError) as error:
            services.open_ticket(**{"subject": "Hi", "body": "Hello", "channel": "web", **values})
        assert error.value.field == field
        db.session.rollback()
    assert queries.customer_tickets(make_user()).tickets == []
    assert db.session.scalar(select(OutgoingMail.id)) is None


def test_attachment_type_and_size_are_checked(app):
    app.config["TICKET_ATTACHMENT_MAX_BYTES"] = 100
    with pytest.raises(ValidationError, match="web pages cannot be uploaded because they can carry scripts"):
        services.open_ticket(subject="s", body="b", channel="web", email="a@example.com",
                             attachments=[("evil.html", io.BytesIO(b"<script>alert(1)</script>"))])
    with pytest.raises(ValidationError, match="larger than"):
        services.open_ticket(subject="s", body="b", channel="web", email="a@example.com",
                             attachments=[("big.txt", io.BytesIO(b"x" * 101))])
    ticket = services.open_ticket(subject="s", body="b", channel="web", email="a@example.com",
                                  attachments=[("notes.txt", io.BytesIO(b"order 1234"))])
    db.session.commit()
    [message] = queries.thread(ticket, include_notes=False)
    assert [(a.original_name, a.content_type) for a in message.attachments] == [("notes.txt", "text/plain")]


def test_agent_reply_opens_then_pending_and_customer_reply_reopens(app):
    customer = make_user()
    agent = make_agent()
    ticket = make_ticket(requester=customer)
    services.add_reply(ticket, body="We are looking into it.", author=agent)
    assert ticket.status == Status.OPEN and ticket.first_replied_at is not None
    services.add_reply(ticket, body="Could you send a photo?", author=agent, status="pending")
    db.session.commit()
    assert ticket.status == Status.PENDING
    reply_mail = mails_to(customer.email)[-1]
    assert "Could you send a photo?" in reply_mail.text
    assert reply_mail.headers["In-Reply-To"] == f"<ticket-{ticket.number}@localhost>"
    services.add_reply(ticket, body="Here it is.", author=customer)
    assert ticket.status == Status.OPEN


def test_on_hold_and_solved_reopen_on_customer_reply(app):
    customer, agent = make_user(), make_agent()
    ticket = make_ticket(requester=customer)
    services.change_status(ticket, "on_hold", actor=agent)
    services.add_reply(ticket, body="Any news?", author=customer)
    assert ticket.status == Status.OPEN
    services.change_status(ticket, "solved", actor=agent)
    db.session.commit()
    assert ticket.solved_at is not None
    assert any("solved" in m.subject or "solved" in m.text for m in mails_to(customer.email))
    services.add_reply(ticket, body="Still broken.", author=customer)
    assert ticket.status == Status.OPEN and ticket.solved_at is None
    assert events(ticket, "reopen")


def test_closed_is_final_and_a_reply_opens_a_linked_follow_up(app):
    customer, agent = make_user(), make_agent()
    ticket = make_ticket(requester=customer, subject="Broken zip")
    with pytest.raises(ValidationError, match="Only solved"):
        services.change_status(ticket, "closed", actor=agent)
    services.change_status(ticket, "solved", actor=agent)
    services.change_status(ticket, "closed", actor=agent)
    with pytest.raises(ValidationError, match="cannot be reopened"):
        services.change_status(ticket, "open", actor=agent)
    message = services.add_reply(ticket, body="It broke again.", author=customer)
    db.session.commit()
    assert message.ticket_id != ticket.id and ticket.status == Status.CLOSED
    follow = db.session.get(type(ticket), message.ticket_id)
    assert follow.follow_up_of_id == ticket.id and follow.subject == "Re: Broken zip"
    assert follow.requester_id == customer.id and follow.status == Status.NEW


def test_customer_marks_solved(app):
    customer = make_user()
    ticket = make_ticket(requester=customer)
    services.customer_mark_solved(ticket, user=customer)
    assert ticket.status == Status.SOLVED
    with pytest.raises(NotFound):
        services.customer_mark_solved(make_ticket(), user=customer)


def test_notes_are_staff_only_and_never_mailed_to_the_customer(app):
    customer, agent = make_user(), make_agent()
    ticket = make_ticket(requester=customer)
    before = len(mails_to(customer.email))
    services.add_note(ticket, body="Customer is a reseller, check stock.", actor=agent)
    db.session.commit()
    assert len(mails_to(customer.email)) == before
    assert [m.kind for m in queries.thread(ticket, include_notes=True)] == [MessageKind.PUBLIC, MessageKind.NOTE]
    assert [m.kind for m in queries.thread(ticket, include_notes=False)] == [MessageKind.PUBLIC]
    with pytest.raises(NotFound):
        services.add_note(ticket, body="x", actor=customer)


def test_priority_assign_group_tags_are_logged_and_bump_the_version(app):
    agent, other = make_agent(), make_agent(name="Other Agent")
    group = make_group("Shipping")
    ticket = make_ticket()
    version = ticket.version
    services.set_priority(ticket, "urgent", actor=agent)
    services.assign(ticket, other, actor=agent)
    services.set_group(ticket, group, actor=agent)
    services.set_tags(ticket, "Damaged, carrier,damaged", actor=agent)
    db.session.commit()
    assert ticket.priority == Priority.URGENT and ticket.priority_rank == 0
    assert ticket.tags == ["carrier", "damaged"] and ticket.version == version + 4
    kinds = {e.kind for e in queries.timeline(ticket)}
    assert {"priority", "assignee", "group", "tags"} <= kinds
    assert mails_to(other.email)[-1].subject.startswith(f"[#{ticket.number}]")
    with pytest.raises(ValidationError):
        services.assign(ticket, make_user(), actor=agent)


def test_stale_version_raises_with_the_changes(app):
    agent, other = make_agent(), make_agent()
    ticket = make_ticket()
    seen = ticket.version
    services.set_priority(ticket, "high", actor=other)
    db.session.commit()
    with pytest.raises(StaleTicket) as stale:
        services.add_reply(ticket, body="Hello", author=agent, expected_version=seen)
    db.session.rollback()
    assert [e.kind for e in services.changes_since(ticket, stale.value.since_version)] == ["priority"]
    services.add_reply(ticket, body="Hello", author=agent, expected_version=ticket.version)


def test_merge_moves_messages_in_date_order_and_leaves_a_pointer(app):
    customer, agent = make_user(), make_agent()
    older = make_ticket(requester=customer, body="First message")
    newer = make_ticket(requester=customer, body="Second message")
    services.add_note(older, body="note on older", actor=agent)
    bulk.merge(newer, older, actor=agent)
    db.session.commit()
    assert newer.status == Status.CLOSED and newer.merged_into_id == older.id
    bodies = [m.body for m in queries.thread(older, include_notes=True)]
    assert bodies[:3] == ["First message", "Second message", "note on older"]  # by date, whichever ticket
    assert any(f"#{newer.number} was merged" in b for b in bodies)
    pointer = queries.thread(newer, include_notes=False)
    assert pointer and f"merged into #{older.number}" in pointer[0].body
    with pytest.raises(ValidationError, match="same requester"):
        bulk.merge(make_ticket(), older, actor=agent)


def test_guest_tickets_join_the_account_when_the_address_is_verified(app):
    from portal.accounts import services as accounts
    from portal.accounts.tokens import make_token

    ticket = make_ticket(email="late@example.com")
    user = accounts.register_customer(email="late@example.com", password="correct-horse-9")
    db.session.commit()
    assert ticket.requester_id is None  # not verified yet: an account alone does not claim tickets
    accounts.verify_email(token=make_token("verify-email", {"uid": user.id, "email": user.email}))
    db.session.commit()
    assert ticket.requester_id == user.id
    assert [t.id for t in queries.customer_tickets(user).tickets] == [ticket.id]


@pytest.mark.parametrize("scope, sees", [("assigned", {"mine"}), ("groups", {"mine", "group"}),
                                         ("all", {"mine", "group", "other"})])
def test_agent_scope_limits_queues_and_lookups(app, scope, sees):
    group = make_group("Returns")
    agent = make_agent(scope=scope)
    make_group("Billing")
    from portal.tickets import groups as group_services
    group_services.set_membership(group, [agent.id])
    boss = make_user(role=Role.MANAGER)
    tickets = {"mine": make_ticket(), "group": make_ticket(), "other": make_ticket()}
    services.assign(tickets["mine"], agent, actor=boss)
    services.set_group(tickets["group"], group, actor=boss)
    db.session.commit()
    visible = {name for name, t in tickets.items()
               if t.id in {x.id for x in queries.queue_page(agent, "open", queries.Filters()).tickets}}
    assert visible == sees
    for name, t in tickets.items():
        if name in sees:
            assert services.get_ticket(t.number, viewer=agent, staff=True) is t
        else:
            with pytest.raises(NotFound):
                services.get_ticket(t.number, viewer=agent, staff=True)


def test_editors_and_customers_cannot_work_tickets(app):
    editor, customer = make_user(role=Role.EDITOR), make_user()
    ticket = make_ticket(requester=customer)
    for user in (editor, customer):
        with pytest.raises(NotFound):
            services.get_ticket(ticket.number, viewer=user, staff=True)
        assert queries.queue_page(user, "open", queries.Filters()).tickets == []
    assert services.get_ticket(ticket.number, viewer=customer) is ticket
    with pytest.raises(NotFound):
        services.get_ticket(ticket.number, viewer=make_user())


def test_bulk_actions_apply_to_each_and_report_failures(app):
    agent = make_agent()
    a, b = make_ticket(), make_ticket()
    done, errors = bulk.bulk_update([a, b], action="priority", value="high", actor=agent)
    assert done == 2 and not errors and a.priority == b.priority == Priority.HIGH
    bulk.bulk_update([a, b], action="add_tag", value="VIP", actor=agent)
    assert a.tags == b.tags == ["vip"]
    bulk.bulk_update([a], action="remove_tag", value="vip", actor=agent)
    assert a.tags == [] and b.tags == ["vip"]
    done, errors = bulk.bulk_update([a, b], action="status", value="closed", actor=agent)
    assert done == 0 and len(errors) == 2 and "Only solved" in errors[0]


def test_macro_renders_variables_and_leaves_missing_ones_visible(app):
    from portal.tickets import macros

    customer = make_user(name="Léa Martin")
    agent = make_agent(name="Sam Agent")
    ticket = make_ticket(requester=customer)
    context = macros.macro_context(ticket, agent, "Comptoir")
    text = macros.render("Bonjour {{ customer.first_name }}, ticket {{ticket.number}} - {{ order.number }} "
                         "{{ agent.first_name }}", context)
    assert text == f"Bonjour Léa, ticket #{ticket.number} - [order.number] Sam"
    guest = make_ticket(email="nameless@example.com")
    assert macros.render("Hi {{ customer.first_name }}", macros.macro_context(guest, agent, "C")) == \
        "Hi [customer.first_name]"
