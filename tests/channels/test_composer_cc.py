"""The Cc list of an email ticket, seen and changed from the composer and `portal tickets reply --cc`."""
import email
import os
import re
from email.policy import default as email_policy
from email.utils import getaddresses

import pytest

from portal.channels.email import participants
from portal.channels.email.models import EmailParticipant, Mailbox
from portal.channels.email.threading import participants as participants_of
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import MessageKind, Ticket, TicketEvent, TicketMessage
from tests.channels.test_mail_receive import SUPPORT, mail, receive
from tests.factories import make_agent, make_ticket


@pytest.fixture
def mailbox(app):
    box = Mailbox(name="Support", address=SUPPORT, from_name="Shop support")
    db.session.add(box)
    db.session.commit()
    return box


@pytest.fixture
def cc_ticket(runner, mailbox) -> Ticket:
    """Rose wrote in and copied Sam Carter."""
    outcome = receive(runner, mail(extra="Cc: Sam Carter <sam@example.com>\n"))
    return services.get_ticket(outcome["ticket"])


@pytest.fixture
def agent(app):
    return make_agent(scope="all", email="agent@shop.example", name="Alex Agent")


def reply(client, ticket, **data):
    db.session.refresh(ticket)
    return client.post(f"/staff/tickets/{ticket.number}/messages",
                       data={"body": "On its way.", "kind": "public", "version": ticket.version, **data})


def cc_input(page: str) -> str:
    [field] = re.findall(r'<input [^\n]*?id="cc"[^\n]*?>', page)
    return field


def emails(ticket) -> set[str]:
    db.session.expire_all()
    return {p.email for p in participants_of(ticket)}


def sent_cc_header(app, to="rose@example.com") -> list[str]:
    """The Cc header of the last mail to `to`, as written out after the commit."""
    db.session.expire_all()
    sent = db.session.query(OutgoingMail).filter_by(to=to).order_by(OutgoingMail.id.desc()).first()
    assert sent.eml_name, "the reply was not delivered"
    with open(os.path.join(app.config["OUTBOX_PATH"], sent.eml_name), "rb") as fh:
        message = email.message_from_binary_file(fh, policy=email_policy)
    return sorted(address for _name, address in getaddresses(message.get_all("Cc", [])))


def test_the_composer_is_prefilled_with_the_customers_cc_and_the_sidebar_lists_it(client, login, agent, cc_ticket):
    login(agent.email)
    page = client.get(f"/staff/tickets/{cc_ticket.number}").get_data(as_text=True)
    assert '<label for="cc">Cc</label>' in page
    assert 'value="Sam Carter &lt;sam@example.com&gt;"' in cc_input(page)
    assert "Copied on replies (Cc)" in page and "sam@example.com" in page


def test_the_agent_adds_one_and_removes_the_other_and_the_mail_is_copied_on_exactly_that(
        app, client, login, agent, cc_ticket):
    login(agent.email)
    response = reply(client, cc_ticket, cc='"Lee, Pat" <PAT@Example.com>; rose@example.com, support@shop.example')
    assert response.status_code == 302, response.get_data(as_text=True)
    assert emails(cc_ticket) == {"pat@example.com"}  # the requester and our own address dropped silently
    assert sent_cc_header(app) == ["pat@example.com"]
    sent = db.session.query(OutgoingMail).filter_by(to="rose@example.com").order_by(OutgoingMail.id.desc()).first()
    assert sent.cc == ['"Lee, Pat" <pat@example.com>']
    event = db.session.query(TicketEvent).filter_by(ticket_id=cc_ticket.id, kind="cc").one()
    assert (event.old, event.new, event.label) == ("sam@example.com", "pat@example.com", "Cc")
    page = client.get(f"/staff/tickets/{cc_ticket.number}").get_data(as_text=True)
    assert 'value="&#34;Lee, Pat&#34; &lt;pat@example.com&gt;"' in cc_input(page)  # reads back as it parses


def test_the_same_list_again_changes_nothing_and_an_empty_list_removes_everyone(app, client, login, agent, cc_ticket):
    login(agent.email)
    assert reply(client, cc_ticket, cc="Sam Carter <sam@example.com>").status_code == 302
    assert db.session.query(TicketEvent).filter_by(ticket_id=cc_ticket.id, kind="cc").count() == 0
    assert sent_cc_header(app) == ["sam@example.com"]
    assert reply(client, cc_ticket, cc="").status_code == 302
    assert emails(cc_ticket) == set() and sent_cc_header(app) == []


def test_an_invalid_address_is_a_400_naming_it_and_stores_nothing(app, client, login, agent, cc_ticket):
    login(agent.email)
    messages = db.session.query(TicketMessage).count()
    mails = db.session.query(OutgoingMail).count()
    response = reply(client, cc_ticket, cc="pat@example.com, bob@@example")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="cc-error"' in html and "bob@@example is not a valid email address." in html
    assert 'value="pat@example.com, bob@@example"' in cc_input(html)  # what the agent typed stays
    assert db.session.query(TicketMessage).count() == messages and db.session.query(OutgoingMail).count() == mails
    assert emails(cc_ticket) == {"sam@example.com"}


def test_more_than_ten_addresses_are_refused(client, login, agent, cc_ticket):
    login(agent.email)
    response = reply(client, cc_ticket, cc=", ".join(f"p{n}@example.com" for n in range(11)))
    assert response.status_code == 400 and "Copy at most 10 addresses." in response.get_data(as_text=True)
    assert emails(cc_ticket) == {"sam@example.com"}


def test_a_failed_reply_keeps_the_old_list(client, login, agent, cc_ticket):
    login(agent.email)
    response = reply(client, cc_ticket, cc="pat@example.com", body="")
    assert response.status_code == 400 and emails(cc_ticket) == {"sam@example.com"}


def test_an_internal_note_ignores_the_cc_field(client, login, agent, cc_ticket):
    login(agent.email)
    response = reply(client, cc_ticket, kind="note", body="Sam is her husband", cc="not an address")
    assert response.status_code == 302
    assert emails(cc_ticket) == {"sam@example.com"}
    assert db.session.query(TicketMessage).filter_by(ticket_id=cc_ticket.id, kind=MessageKind.NOTE).count() == 1


def test_a_post_without_the_field_and_a_web_ticket_leave_the_list_alone(app, client, login, agent, cc_ticket):
    login(agent.email)
    db.session.refresh(cc_ticket)
    response = client.post(f"/staff/tickets/{cc_ticket.number}/messages",
                           data={"body": "Hi", "kind": "public", "version": cc_ticket.version})
    assert response.status_code == 302 and emails(cc_ticket) == {"sam@example.com"}

    web = make_ticket(email="web@example.com")
    page = client.get(f"/staff/tickets/{web.number}").get_data(as_text=True)
    assert 'name="cc"' not in page
    assert reply(client, web, cc="pat@example.com").status_code == 302
    assert emails(web) == set()


def test_cli_reply_with_cc_sets_the_list_before_mailing(app, runner, agent, cc_ticket):
    result = runner.invoke(args=["tickets", "reply", str(cc_ticket.number), "--as", agent.email, "--body", "Done.",
                                 "--cc", "Pat Lee <pat@example.com>", "--cc", "kim@example.com, rose@example.com"])
    assert result.exit_code == 0, result.output
    assert emails(cc_ticket) == {"pat@example.com", "kim@example.com"}
    assert sent_cc_header(app) == ["kim@example.com", "pat@example.com"]
    assert db.session.get(EmailParticipant, (cc_ticket.id, "pat@example.com")).name == "Pat Lee"


def test_cli_reply_with_a_bad_cc_is_one_line_and_sends_nothing(app, runner, agent, cc_ticket):
    mails = db.session.query(OutgoingMail).count()
    result = runner.invoke(args=["tickets", "reply", str(cc_ticket.number), "--as", agent.email, "--body", "Done.",
                                 "--cc", "oops"])
    assert result.exit_code == 1 and result.output.strip().count("\n") == 0
    assert "cc: oops is not a valid email address." in result.output
    assert db.session.query(OutgoingMail).count() == mails and emails(cc_ticket) == {"sam@example.com"}
    cleared = runner.invoke(args=["tickets", "reply", str(cc_ticket.number), "--as", agent.email, "--body", "Bye.",
                                  "--cc", ""])
    assert cleared.exit_code == 0 and emails(cc_ticket) == set()


@pytest.mark.parametrize("text,expected", [
    ("Sam Carter <sam@example.com>, bob@example.com", [("Sam Carter", "sam@example.com"), ("", "bob@example.com")]),
    ('"Carter, Sam" <Sam@Example.com>; sam@example.com', [("Carter, Sam", "sam@example.com")]),
    (' , ;; ', []),
    ('"Say \\"hi\\", Sam" <sam@example.com>', [('Say "hi", Sam', "sam@example.com")]),
])
def test_parse_addresses(app, text, expected):
    assert participants.parse_addresses([text]) == expected


@pytest.mark.parametrize("text", ["x@", "bob@@example.com", "a@example.com b@example.com", "Sam <sam@", "no"])
def test_parse_addresses_refuses(app, text):
    from portal.errors import ValidationError

    with pytest.raises(ValidationError) as caught:
        participants.parse_addresses([f"ok@example.com, {text}"])
    assert caught.value.field == "cc" and text in caught.value.message


def test_format_addresses_reads_back_the_same(app):
    people = [EmailParticipant(email="sam@example.com", name='Carter, "Sam"'),
              EmailParticipant(email="lee@example.com", name="Lee"), EmailParticipant(email="k@example.com", name="")]
    text = participants.format_addresses(people)
    assert text == '"Carter, \\"Sam\\"" <sam@example.com>, Lee <lee@example.com>, k@example.com'
    assert participants.parse_addresses([text]) == [(p.name, p.email) for p in people]
