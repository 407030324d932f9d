"""`portal tickets` through the CLI runner, and ticket mail through a real SMTP server."""
import email
import json
from email.policy import default as email_policy

from portal.extensions import db
from portal.tickets import services
from tests.conftest import wait_for
from tests.factories import make_agent, make_ticket, make_user


def test_cli_open_show_list(app, runner):
    opened = runner.invoke(args=["tickets", "open", "--email", "cli@example.com", "--subject", "Refund?",
                                 "--body", "Where is my refund?", "--name", "Cleo", "--json"])
    assert opened.exit_code == 0, opened.output
    number = json.loads(opened.output)["number"]
    ticket = services.get_ticket(number)
    services.add_note(ticket, body="Check with bank", actor=make_agent())
    db.session.commit()
    shown = json.loads(runner.invoke(args=["tickets", "show", str(number), "--json"]).output)
    assert shown["subject"] == "Refund?" and shown["requester"]["email"] == "cli@example.com"
    assert [m["kind"] for m in shown["messages"]] == ["public", "note"]
    listed = json.loads(runner.invoke(args=["tickets", "list", "--status", "new", "--json"]).output)
    assert [t["number"] for t in listed] == [number]
    assert json.loads(runner.invoke(args=["tickets", "list", "--status", "solved", "--json"]).output) == []


def test_cli_errors_are_one_line_and_change_nothing(app, runner):
    bad = runner.invoke(args=["tickets", "open", "--email", "nope", "--subject", "S", "--body", "B"])
    assert bad.exit_code == 1 and bad.output.strip().count("\n") == 0 and "email" in bad.output
    missing = runner.invoke(args=["tickets", "show", "424242"])
    assert missing.exit_code == 1 and "not found" in missing.output
    assert json.loads(runner.invoke(args=["tickets", "list", "--json"]).output) == []


def test_ticket_mail_threads_through_a_real_smtp_server(make_app, smtpd):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtpd.port, MAIL_SUPPRESS_SEND=False)
    with app.app_context():
        customer = make_user(email="thread@example.com", name="Theo Thread")
        agent = make_agent(email="agent@example.com")
        ticket = make_ticket(requester=customer, subject="Missing parcel")
        services.add_reply(ticket, body="It is **on its way**.", author=agent)
        db.session.commit()
        number = ticket.number
    receipt_env = wait_for(smtpd.inbox.envelopes, 1)
    reply_env = wait_for(smtpd.inbox.envelopes, 2)
    receipt = email.message_from_bytes(receipt_env.content, policy=email_policy)
    reply = email.message_from_bytes(reply_env.content, policy=email_policy)
    assert receipt["Subject"] == reply["Subject"] == f"[#{number}] Missing parcel"
    root = receipt["Message-ID"]
    assert root == f"<ticket-{number}@localhost>"
    assert reply["In-Reply-To"] == root and root in reply["References"] and reply["Message-ID"] != root
    assert reply["List-Unsubscribe"].startswith("<http://localhost/notifications/")
    assert "on its way" in reply.get_body(preferencelist=("plain",)).get_content()
    assert "<strong>on its way</strong>" in reply.get_body(preferencelist=("html",)).get_content()
