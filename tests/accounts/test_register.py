"""Signing up and confirming the email address."""
import os

from portal.accounts.queries import user_by_email
from tests.accounts.conftest import link_in, path_of
from tests.factories import PASSWORD, make_user

SIGN_UP = {"name": "Ann Lee", "email": "Ann@Example.com", "password": PASSWORD, "confirm": PASSWORD, "accept": "y"}


def test_sign_up_mails_a_link_that_confirms_the_address(app, client, mails):
    response = client.post("/register", data=SIGN_UP, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "We sent a link to ann@example.com" in page
    assert "Hello Ann Lee" in page and "Please confirm your email address" in page  # logged in, unverified
    assert not user_by_email("ann@example.com").email_verified

    [mail] = mails(to="ann@example.com")
    assert mail.subject == "Confirm your email address"
    assert mail.text.startswith("Hello Ann,")
    link = link_in(mail.text, "/verify/")
    assert link in mail.html
    [eml] = os.listdir(app.config["OUTBOX_PATH"])  # written out after the commit
    assert link in open(os.path.join(app.config["OUTBOX_PATH"], eml)).read()

    confirmed = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "your email address is confirmed" in confirmed
    assert "Please confirm your email address" not in confirmed
    assert user_by_email("ann@example.com").email_verified


def test_the_confirmation_link_works_without_being_logged_in(client, mails):
    client.post("/register", data=SIGN_UP)
    client.post("/logout")
    link = link_in(mails()[0].text, "/verify/")
    response = client.get(link)
    assert path_of(response) == "/login"
    assert user_by_email("ann@example.com").email_verified


def test_a_tampered_confirmation_link_is_refused(client, mails):
    client.post("/register", data=SIGN_UP)
    link = link_in(mails()[0].text, "/verify/")
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This confirmation link is invalid or has expired." in page
    assert "Send me a new confirmation link" in page
    assert not user_by_email("ann@example.com").email_verified


def test_an_unverified_user_can_ask_for_a_new_link(client, mails):
    client.post("/register", data=SIGN_UP)
    response = client.post("/verify/resend", follow_redirects=True)
    assert "We sent a new confirmation link to ann@example.com." in response.get_data(as_text=True)
    first, second = mails(to="ann@example.com")
    client.get(link_in(second.text, "/verify/"))
    assert user_by_email("ann@example.com").email_verified


def test_sign_up_shows_each_problem_on_its_field(client, mails):
    def sign_up(**changes):
        data = {k: v for k, v in {**SIGN_UP, **changes}.items() if v is not None}
        return client.post("/register", data=data).get_data(as_text=True)

    make_user(email="taken@example.com")
    page = sign_up(email="taken@example.com")
    assert "An account with this email address already exists." in page
    page = sign_up(confirm="something-else")
    assert 'id="confirm-error">The two passwords do not match.' in page
    page = sign_up(password="short", confirm="short")
    assert 'id="password-error">Use at least 8 characters.' in page
    page = sign_up(email="not-an-email")
    assert 'id="email-error">Enter a valid email address.' in page
    page = sign_up(accept=None)
    assert "Please accept the terms to create an account." in page
    assert user_by_email("ann@example.com") is None and mails(to="ann@example.com") == []


def test_sign_up_form_helps_password_managers(client):
    page = client.get("/register").get_data(as_text=True)
    assert page.count('autocomplete="new-password"') == 2
    assert 'autocomplete="email"' in page
    for field in ("name", "email", "password", "confirm", "accept"):
        assert f'<label for="{field}">' in page
