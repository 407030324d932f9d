"""A password reset end to end through a real SMTP server (aiosmtpd on localhost)."""
import email
from email.policy import default as email_policy

from tests.accounts.conftest import NEW_PASSWORD, link_in
from tests.conftest import wait_for
from tests.factories import PASSWORD, make_user


def test_password_reset_through_a_real_smtp_server(make_app, smtpd):
    # Flask-Mail suppresses delivery when TESTING is on: this test wants the real thing
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtpd.port, MAIL_SUPPRESS_SEND=False)
    with app.app_context():
        make_user(email="smtp@example.com", name="Sam Smtp")
    client = app.test_client()

    client.post("/password/forgot", data={"email": "smtp@example.com"})
    envelope = wait_for(smtpd.inbox.envelopes)
    assert envelope.rcpt_tos == ["smtp@example.com"]
    message = email.message_from_bytes(envelope.content, policy=email_policy)
    assert message["Subject"] == "Choose a new password"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Sam," in body
    link = link_in(body, "/password/reset/")

    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password has been changed." in done.get_data(as_text=True)
    assert client.post("/login", data={"email": "smtp@example.com", "password": NEW_PASSWORD}).status_code == 302
    client.post("/logout")
    old = client.post("/login", data={"email": "smtp@example.com", "password": PASSWORD})
    assert "Email or password is incorrect." in old.get_data(as_text=True)
    assert client.get(link).status_code == 400
    with app.app_context():
        from portal.extensions import db
        db.engine.dispose()
