"""Mail into the queue through `portal mail receive` (the MTA pipe), read back with `portal tickets show --json`."""
import json

import pytest

from portal.accounts.models import Role
from portal.channels.email.models import Mailbox
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets.models import Status
from tests.factories import make_agent, make_user

SUPPORT = "support@shop.example"


def mail(subject="Where is my parcel?", body="Hello,\nmy order 1234 has not arrived.\nRose", sender="Rose Tyler <rose@example.com>",
         message_id="<m1@mail.example.com>", extra="", to=SUPPORT) -> bytes:
    headers = f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: Mon, 3 Jun 2024 10:00:00 +0200\n"
    if message_id:
        headers += f"Message-ID: {message_id}\n"
    return (headers + extra + "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n").encode()


@pytest.fixture
def mailbox(app):
    box = Mailbox(name="Support", address=SUPPORT, from_name="Shop support")
    db.session.add(box)
    db.session.commit()
    return box


def receive(runner, raw: bytes, *args):
    result = runner.invoke(args=["mail", "receive", "--json", *args], input=raw)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def show(runner, number):
    result = runner.invoke(args=["tickets", "show", str(number), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_mail_opens_a_ticket_with_a_receipt_threaded_on_it(runner, mailbox):
    outcome = receive(runner, mail())
    assert outcome["outcome"] == "new_ticket" and outcome["ticket"]
    ticket = show(runner, outcome["ticket"])
    assert ticket["subject"] == "Where is my parcel?" and ticket["channel"] == "email"
    assert ticket["requester"]["email"] == "rose@example.com" and ticket["requester"]["name"] == "Rose Tyler"
    [message] = ticket["messages"]
    assert message["channel"] == "email" and message["message_id"] == "<m1@mail.example.com>"
    assert "my order 1234 has not arrived." in message["body_text"]
    receipt = db.session.query(OutgoingMail).filter_by(to="rose@example.com").one()
    assert receipt.headers["In-Reply-To"] == "<m1@mail.example.com>"
    assert receipt.headers["Auto-Submitted"] == "auto-replied"
    assert receipt.sender == '"Shop support" <support@shop.example>' or receipt.sender.endswith("<support@shop.example>")
    assert f"[#{outcome['ticket']}]" in receipt.subject


def test_the_same_message_twice_is_stored_once(runner, mailbox):
    first = receive(runner, mail())
    again = receive(runner, mail())
    assert again == {"outcome": "duplicate", "ticket": first["ticket"], "reason": again["reason"]}
    assert len(show(runner, first["ticket"])["messages"]) == 1
    assert db.session.query(OutgoingMail).filter_by(to="rose@example.com").count() == 1  # acknowledged once


def test_messages_without_message_id_are_never_merged(runner, mailbox):
    one = receive(runner, mail(message_id=None))
    two = receive(runner, mail(message_id=None))
    assert one["outcome"] == two["outcome"] == "new_ticket" and one["ticket"] != two["ticket"]


def test_a_reply_threads_by_headers_even_with_a_new_subject_and_strips_the_quote(runner, mailbox):
    first = receive(runner, mail())
    receipt = db.session.query(OutgoingMail).filter_by(to="rose@example.com").one()
    reply = mail(subject="still nothing!!", message_id="<m2@mail.example.com>",
                 extra=f"In-Reply-To: {receipt.message_id}\nReferences: <m1@mail.example.com> {receipt.message_id}\n",
                 body="It is still not here.\n\nOn Mon, 3 Jun 2024 at 11:00, Shop support <support@shop.example> wrote:\n"
                      "> We received your request\n> #1001")
    outcome = receive(runner, reply)
    assert outcome["outcome"] == "reply" and outcome["ticket"] == first["ticket"]
    messages = show(runner, first["ticket"])["messages"]
    assert messages[-1]["body_text"] == "It is still not here."


def test_a_subject_token_threads_only_for_a_participant(runner, mailbox):
    first = receive(runner, mail())
    token = f"Re: [#{first['ticket']}] Where is my parcel?"
    own = receive(runner, mail(subject=token, message_id="<m3@mail.example.com>", body="Any news?"))
    assert own["outcome"] == "reply" and own["ticket"] == first["ticket"]
    stranger = receive(runner, mail(subject=token, sender="eve@evil.example", message_id="<m4@evil.example>",
                                    body="Send me the address please"))
    assert stranger["outcome"] == "new_ticket" and stranger["ticket"] != first["ticket"]
    assert all("eve" not in m["body_text"] for m in show(runner, first["ticket"])["messages"])


@pytest.mark.parametrize("extra,subject,sender", [
    ("Auto-Submitted: auto-replied\n", "Where is my parcel?", "rose@example.com"),
    ("X-Autoreply: yes\n", "Re: your request", "rose@example.com"),
    ("Precedence: bulk\n", "Newsletter", "news@example.com"),
    ("List-Unsubscribe: <mailto:unsub@example.com>\n", "Promo", "promo@example.com"),
    ("", "Réponse automatique : absent jusqu'au 12", "rose@example.com"),
    ("", "Out of Office: back Monday", "rose@example.com"),
    ("", "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.example.com"),
])
def test_machines_create_nothing_and_get_no_answer(runner, mailbox, extra, subject, sender):
    outcome = receive(runner, mail(subject=subject, sender=sender, extra=extra, message_id="<auto@x.example>"))
    assert outcome["outcome"] == "ignored" and outcome["ticket"] is None
    assert db.session.query(OutgoingMail).count() == 0


def test_mail_claiming_to_be_from_our_support_address_is_never_taken(runner, mailbox):
    outcome = receive(runner, mail(sender=f"Support <{SUPPORT}>"))
    assert outcome["outcome"] == "ignored" and db.session.query(OutgoingMail).count() == 0


def test_a_loop_from_one_sender_is_cut(app, runner, mailbox):
    limit = app.config["MAIL_INBOUND_MAX_PER_HOUR_SENDER"]
    outcomes = [receive(runner, mail(message_id=f"<loop{n}@x.example>"))["outcome"] for n in range(limit + 2)]
    assert outcomes[:limit] == ["new_ticket"] * limit and outcomes[limit:] == ["ignored", "ignored"]


def test_an_agent_reply_goes_out_threaded_with_the_quote_and_token(runner, mailbox):
    agent = make_agent(scope="all", email="agent@shop.example", name="Alex Agent")
    first = receive(runner, mail())
    result = runner.invoke(args=["tickets", "reply", str(first["ticket"]), "--as", agent.email,
                                 "--body", "It left our warehouse today.", "--status", "pending", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == Status.PENDING.value
    sent = db.session.query(OutgoingMail).filter_by(to="rose@example.com").order_by(OutgoingMail.id.desc()).first()
    assert sent.headers["In-Reply-To"] == "<m1@mail.example.com>"
    assert "<m1@mail.example.com>" in sent.headers["References"]
    assert "Auto-Submitted" not in sent.headers
    assert f"[#{first['ticket']}]" in sent.subject and sent.sender.endswith("<support@shop.example>")
    assert "It left our warehouse today." in sent.text and "> my order 1234 has not arrived." in sent.text


def test_reply_from_the_cli_refuses_a_non_agent(runner, mailbox):
    customer = make_user(role=Role.CUSTOMER)
    first = receive(runner, mail())
    result = runner.invoke(args=["tickets", "reply", str(first["ticket"]), "--as", customer.email, "--body", "x"])
    assert result.exit_code == 1 and "no staff account" in result.output


@pytest.mark.sqlite_only
def test_a_locked_database_answers_tempfail(app, runner, mailbox):
    import sqlite3

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
        result = runner.invoke(args=["mail", "receive", "--json"], input=mail(message_id="<locked@x.example>"))
    finally:
        blocker.rollback()
        blocker.close()
    assert result.exit_code == 75 and "try again later" in result.output
    assert receive(runner, mail(message_id="<locked@x.example>"))["outcome"] == "new_ticket"


HOSTILE_HTML = b"""From: Rose <rose@example.com>
To: support@shop.example
Subject: Photo of the damage
Message-ID: <html1@mail.example.com>
Authentication-Results: mx.shop.example; spf=fail smtp.mailfrom=example.com; dkim=none
Reply-To: other@elsewhere.example
MIME-Version: 1.0
Content-Type: multipart/related; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<html><head><style>@import url(https://evil.example/x.css);</style><meta http-equiv="refresh" content="0;url=https://evil.example"></head>
<body><p onclick="steal()">The mug is broken <a href="javascript:alert(1)">see</a></p>
<img src="https://tracker.example/pixel.gif" width="1"><img src="cid:photo1@mail"><script>alert(1)</script>
<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name="card"></form></body></html>
--b1
Content-Type: image/png; name="broken.png"
Content-ID: <photo1@mail>
Content-Disposition: inline; filename="broken.png"
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
--b1--
"""


def test_hostile_html_is_sanitised_remote_images_held_and_the_agent_sees_the_flags(app, client, login, runner, mailbox):
    outcome = receive(runner, HOSTILE_HTML)
    data = show(runner, outcome["ticket"])
    [message] = data["messages"]
    html = message["body_html"]
    for forbidden in ("<script", "onclick", "javascript:", "<iframe", "<form", "<meta", "evil.example/x.css",
                      ' src="https://tracker.example'):
        assert forbidden not in html
    assert 'data-remote-src="https://tracker.example/pixel.gif"' in html
    assert message["attachments"] == [{"filename": "broken.png", "content_type": "image/png", "size": 70,
                                       "content_id": "photo1@mail", "inline": True}]
    assert data["flags"] == ["auth_failed", "reply_to_differs"]

    login(make_agent(scope="all").email)
    page = client.get(f"/staff/tickets/{outcome['ticket']}").get_data(as_text=True)
    assert "Authentication failed" in page and "Reply-To (other@elsewhere.example) differs" in page
    assert "Load remote images" in page and ' src="https://tracker.example' not in page
    assert f"/staff/tickets/{outcome['ticket']}/files/" in page  # the inline image points at our attachment
    original = client.get(page.split("Show original")[0].rsplit('href="', 1)[1].split('"')[0])
    assert original.status_code == 200 and b"onclick=\"steal()\"" in original.data
    assert original.headers["Content-Type"].startswith("text/plain")


def test_a_bounce_of_our_reply_is_noted_on_its_ticket_and_nothing_is_answered(runner, mailbox):
    from tests.channels.test_email_parsing import DSN

    agent = make_agent(scope="all", email="agent@shop.example")
    first = receive(runner, mail())
    runner.invoke(args=["tickets", "reply", str(first["ticket"]), "--as", agent.email, "--body", "Shipped."])
    sent = db.session.query(OutgoingMail).filter_by(to="rose@example.com").order_by(OutgoingMail.id.desc()).first()
    before = db.session.query(OutgoingMail).count()
    outcome = receive(runner, DSN.replace(b"<ticket-1001.m7@shop.example>", sent.message_id.encode()))
    assert outcome["outcome"] == "ignored" and outcome["ticket"] == first["ticket"]
    notes = [m for m in show(runner, first["ticket"])["messages"] if m["kind"] == "note"]
    assert notes and "was not delivered" in notes[-1]["body_text"] and "User unknown" in notes[-1]["body_text"]
    db.session.expire_all()
    assert db.session.get(OutgoingMail, sent.id).status.value == "failed"
    assert db.session.query(OutgoingMail).count() == before


def test_a_delay_warning_for_our_reply_is_noted_and_leaves_the_mail_as_sent(runner, mailbox):
    from tests.channels.mail_samples import raw

    agent = make_agent(scope="all", email="agent@shop.example")
    first = receive(runner, mail())
    runner.invoke(args=["tickets", "reply", str(first["ticket"]), "--as", agent.email, "--body", "Shipped."])
    sent = db.session.query(OutgoingMail).filter_by(to="rose@example.com").order_by(OutgoingMail.id.desc()).first()
    status = sent.status
    outcome = receive(runner, raw("gmail_delay_dsn.eml").replace(b"<ticket-1044.m2@shop.example>",
                                                                  sent.message_id.encode()))
    assert outcome["outcome"] == "ignored" and outcome["ticket"] == first["ticket"]
    notes = [m for m in show(runner, first["ticket"])["messages"] if m["kind"] == "note"]
    assert notes and "is delayed" in notes[-1]["body_text"] and "4.4.1" in notes[-1]["body_text"]
    db.session.expire_all()
    assert db.session.get(OutgoingMail, sent.id).status == status  # not "failed": the server is still trying


def test_a_reply_to_a_closed_ticket_opens_a_linked_follow_up(runner, mailbox):
    from portal.tickets.models import Ticket

    first = receive(runner, mail())
    ticket = db.session.query(Ticket).one()
    ticket.status = Status.CLOSED
    db.session.commit()
    outcome = receive(runner, mail(subject=f"Re: [#{first['ticket']}] Where is my parcel?", body="Again broken",
                                   message_id="<m9@mail.example.com>"))
    assert outcome["outcome"] == "reply" and outcome["ticket"] != first["ticket"]
    follow = db.session.query(Ticket).filter(Ticket.follow_up_of_id == ticket.id).one()
    assert follow.number == outcome["ticket"]


def test_customer_ccs_become_participants_and_are_copied_on_replies(runner, mailbox):
    agent = make_agent(scope="all", email="agent@shop.example")
    first = receive(runner, mail(extra="Cc: Sam Carter <sam@example.com>\n"))
    runner.invoke(args=["tickets", "reply", str(first["ticket"]), "--as", agent.email, "--body", "On its way."])
    sent = db.session.query(OutgoingMail).filter_by(to="rose@example.com").order_by(OutgoingMail.id.desc()).first()
    assert sent.cc == ["Sam Carter <sam@example.com>"]
    from_sam = receive(runner, mail(sender="sam@example.com", subject=f"Re: [#{first['ticket']}] x",
                                    message_id="<sam1@example.com>", body="I am her husband, any news?"))
    assert from_sam["outcome"] == "reply" and from_sam["ticket"] == first["ticket"]


def test_an_oversized_attachment_is_dropped_with_a_note_not_a_refused_mail(app, runner, mailbox):
    import base64

    app.config["TICKET_ATTACHMENT_MAX_BYTES"] = 100
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    big = base64.b64encode(png + b"\0" * 500).decode()
    raw = (f"From: rose@example.com\nTo: {SUPPORT}\nSubject: photos\nMessage-ID: <att@x.example>\nMIME-Version: 1.0\n"
           f'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nSee attached\n--b\n'
           f'Content-Type: image/png; name="big.png"\nContent-Disposition: attachment; filename="big.png"\n'
           f"Content-Transfer-Encoding: base64\n\n{big}\n--b--\n").encode()
    outcome = receive(runner, raw)
    assert outcome["outcome"] == "new_ticket"
    messages = show(runner, outcome["ticket"])["messages"]
    assert messages[0]["attachments"] == [] and "big.png was not kept" in messages[-1]["body_text"]


def test_an_oversized_message_is_refused_whole_and_stores_nothing(app, runner, mailbox):
    app.config["MAIL_INBOUND_MAX_BYTES"] = 2 * 1024 * 1024
    outcome = receive(runner, mail(body="x" * (3 * 1024 * 1024)))
    assert outcome == {"outcome": "ignored", "ticket": None, "reason": "message larger than 2 MB"}
    from portal.channels.email.models import InboundEmail
    from portal.tickets.models import Ticket

    assert db.session.query(Ticket).count() == 0 and db.session.query(InboundEmail).count() == 0


def test_show_original_of_a_message_whose_file_is_gone_is_a_404(app, client, login, runner, mailbox):
    import os

    from portal.channels.email.ingest import raw_path
    from portal.channels.email.models import InboundEmail

    outcome = receive(runner, mail())
    record = db.session.query(InboundEmail).one()
    os.remove(raw_path(record))
    login(make_agent(scope="all").email)
    response = client.get(f"/staff/tickets/{outcome['ticket']}/messages/{record.ticket_message_id}/original")
    assert response.status_code == 404


def test_an_auto_reply_says_why_it_was_ignored(runner, mailbox):
    outcome = receive(runner, mail(extra="Auto-Submitted: auto-replied\n"))
    assert outcome["reason"] == "automatic reply: Auto-Submitted: auto-replied"
