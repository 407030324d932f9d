"""IMAP mailboxes end to end against a real Dovecot: a manager adds one, mail becomes tickets, once."""
import json

from portal.accounts.models import Role
from portal.channels.email.models import Mailbox
from portal.extensions import db
from portal.tickets.models import Ticket
from tests.channels.test_mail_receive import mail
from tests.factories import make_user


def _add_mailbox(client, account, **overrides):
    data = {"name": "Support", "address": "support@shop.example", "from_name": "Shop support", "group_id": "0",
            "imap_host": "127.0.0.1", "imap_port": str(account.server.port), "imap_security": "none",
            "imap_username": account.username, "imap_password": account.password, "imap_folder": "INBOX",
            "processed_action": "flag", "processed_folder": "Processed", "enabled": "y", **overrides}
    return client.post("/staff/settings/mailboxes", data=data, follow_redirects=True)


def test_a_manager_adds_a_mailbox_tests_it_and_mail_becomes_tickets(app, client, login, runner, imap_account):
    manager = make_user(role=Role.MANAGER)
    login(manager.email)
    imap_account.append(mail(subject="Old mail from last year", message_id="<old@x.example>").replace(b"\n", b"\r\n"))
    page = _add_mailbox(client, imap_account)
    assert "Mailbox support@shop.example added." in page.get_data(as_text=True)
    mailbox = db.session.query(Mailbox).one()
    assert mailbox.imap_password_encrypted and imap_account.password not in mailbox.imap_password_encrypted

    tested = client.post(f"/staff/settings/mailboxes/{mailbox.id}", data={"action": "test"}).get_data(as_text=True)
    assert "The IMAP server answered" in tested

    first = runner.invoke(args=["mail", "poll", "support@shop.example"])
    assert first.exit_code == 0 and "0 message(s)" in first.output  # no history imported on first connection
    uid = imap_account.append(mail(message_id="<new@x.example>").replace(b"\n", b"\r\n"))
    second = runner.invoke(args=["mail", "poll", "support@shop.example"])
    assert second.exit_code == 0 and "1 message(s)" in second.output, second.output
    assert [t.subject for t in db.session.query(Ticket)] == ["Where is my parcel?"]
    assert b"\\Seen" in imap_account.flags()[uid]
    again = runner.invoke(args=["mail", "poll", "support@shop.example"])
    assert "0 message(s)" in again.output and db.session.query(Ticket).count() == 1


def test_a_wrong_password_is_reported_clearly(app, client, login, runner, imap_account):
    manager = make_user(role=Role.MANAGER)
    login(manager.email)
    _add_mailbox(client, imap_account, imap_password="wrong-password")
    mailbox = db.session.query(Mailbox).one()
    tested = client.post(f"/staff/settings/mailboxes/{mailbox.id}", data={"action": "test"}).get_data(as_text=True)
    assert "Login refused for" in tested and "The IMAP server answered" not in tested
    result = runner.invoke(args=["mail", "poll", "support@shop.example"])
    assert result.exit_code == 1 and "Login refused" in result.output
    assert "Login refused" in db.session.get(Mailbox, mailbox.id).last_error


def test_an_unknown_group_is_a_field_error_not_a_crash(app, client, login):
    login(make_user(role=Role.MANAGER).email)
    response = client.post("/staff/settings/mailboxes", data={"name": "Support", "address": "support@shop.example",
                                                              "group_id": "999", "imap_security": "ssl",
                                                              "processed_action": "flag"})
    assert response.status_code == 400 and "Choose a group from the list." in response.get_data(as_text=True)
    assert db.session.query(Mailbox).count() == 0


def test_mailbox_form_errors_change_nothing(app, client, login):
    manager = make_user(role=Role.MANAGER)
    login(manager.email)
    response = client.post("/staff/settings/mailboxes", data={"name": "", "address": "not-an-address",
                                                              "group_id": "0", "imap_security": "ssl",
                                                              "processed_action": "flag"})
    assert response.status_code == 400 and db.session.query(Mailbox).count() == 0
    assert "Give the mailbox a name." in response.get_data(as_text=True)


def test_agents_cannot_open_mailbox_settings(app, client, login):
    login(make_user(role=Role.AGENT).email)
    assert client.get("/staff/settings/mailboxes").status_code == 404


def test_the_inbound_webhook_needs_the_signature(app, client, runner):
    import hashlib
    import hmac

    result = runner.invoke(args=["mail", "add-mailbox", "--name", "Support", "--address", "support@shop.example"])
    secret = json.loads(result.output)["webhook_secret"]
    mailbox_id = json.loads(result.output)["id"]
    raw = mail(message_id="<hook@x.example>")
    bad = client.post(f"/hooks/email/{mailbox_id}", data=raw, headers={"X-Comptoir-Signature": "sha256=00"})
    assert bad.status_code == 401 and db.session.query(Ticket).count() == 0
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    good = client.post(f"/hooks/email/{mailbox_id}", data=raw, headers={"X-Comptoir-Signature": signature,
                                                                          "Content-Type": "message/rfc822"})
    assert good.status_code == 200 and good.get_json()["outcome"] == "new_ticket"
