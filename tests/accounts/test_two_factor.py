"""Two-factor login: setup with a QR code, confirmation, the login's second step, recovery codes,
codes that work once, throttling, turning it off, and the managers' requirement for staff."""
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import RecoveryCode, Role, User
from portal.extensions import db
from tests.accounts.conftest import path_of
from tests.accounts.two_factor_helpers import (CODE_PAGE, SETUP, code_now, recovery_codes_in, stored_secret, text,
                                               turn_on)
from tests.factories import PASSWORD, make_user

TOO_MANY = "Too many attempts. Please wait 15 minutes and try again."


def password_step(client, email, **extra):
    return client.post("/login", data={"email": email, "password": PASSWORD, **extra})


def user_row(user_id) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


@pytest.fixture
def agent(client, login):
    """An agent, logged in, with two-factor login on: (user, secret, recovery codes)."""
    user = make_user(Role.AGENT, email="ana.agent@example.com")
    login(user.email)
    secret, codes = turn_on(client, user.id)
    return user, secret, codes


def test_setup_page_shows_a_qr_code_the_key_and_an_accessible_code_field(client, login):
    user = make_user(Role.AGENT)
    login(user.email)
    settings = text(client.get("/portal/settings"))
    assert "Two-factor login" in settings and "Set up two-factor login" in settings
    response = client.get(SETUP)
    page = text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert '<svg role="img"' in page and "<title>QR code for your authenticator app</title>" in page
    secret = stored_secret(user.id)
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page  # typed by hand
    assert '<label for="code">6-digit code from your app</label>' in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    stored = user_row(user.id).totp_secret
    assert stored and secret not in stored  # encrypted at rest
    client.get(SETUP)
    assert stored_secret(user.id) == secret  # a reload shows the same key
    assert not user_row(user.id).two_factor_enabled  # not on before a code confirms it


def test_a_wrong_code_at_setup_keeps_two_factor_off(client, login):
    user = make_user()
    login(user.email)
    client.get(SETUP)
    response = client.post(SETUP, data={"code": "000000" if code_now(stored_secret(user.id)) != "000000" else "111111"})
    assert response.status_code == 400
    assert 'id="code-error">This code is not right.' in text(response)
    assert client.post(SETUP, data={"code": ""}).status_code == 400
    assert "Enter the 6-digit code from your app." in text(client.post(SETUP, data={"code": ""}))
    assert not user_row(user.id).two_factor_enabled
    client.post("/logout")
    assert path_of(password_step(client, user.email)) == "/portal/"  # no code asked


def test_confirming_turns_it_on_and_shows_ten_recovery_codes_once(client, agent):
    user, _secret, codes = agent
    assert len(set(codes)) == 10 and all(re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", c) for c in codes)
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed
    settings = text(client.get("/portal/settings"))
    assert "You have 10 unused recovery codes." in settings and not any(c in settings for c in codes)
    assert client.get(SETUP).headers["Location"].endswith("/portal/settings")  # already on


def test_login_asks_for_the_code_after_the_password_and_grants_nothing_before(client, agent):
    user, secret, _codes = agent
    client.post("/logout")
    response = password_step(client, user.email)
    assert path_of(response) == CODE_PAGE
    for page in ("/staff/", "/portal/", "/portal/settings", "/staff/tickets/"):
        assert path_of(client.get(page)) == "/login", page  # half logged in: nothing is granted
    form = text(client.get(CODE_PAGE))
    assert 'autocomplete="one-time-code"' in form and 'inputmode="numeric"' in form
    assert "Use a recovery code" in form
    wrong = client.post(CODE_PAGE, data={"code": "12345"})
    assert wrong.status_code == 400 and "This code is not right or was already used." in text(wrong)
    assert path_of(client.get("/staff/")) == "/login"
    done = client.post(CODE_PAGE, data={"code": code_now(secret, steps_later=1)})
    assert path_of(done) == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_code_works_once_even_within_its_window(client, agent, clock):
    user, secret, _codes = agent  # the setup used the current code
    client.post("/logout")
    password_step(client, user.email)
    reused = client.post(CODE_PAGE, data={"code": code_now(secret)})
    assert reused.status_code == 400 and "already used" in text(reused)
    clock.advance(seconds=30)
    assert path_of(client.post(CODE_PAGE, data={"code": code_now(secret)})) == "/staff/"
    client.post("/logout")
    password_step(client, user.email)
    again = client.post(CODE_PAGE, data={"code": code_now(secret)})  # same step as the last login
    assert again.status_code == 400
    previous = client.post(CODE_PAGE, data={"code": code_now(secret, steps_later=-1)})  # an older one
    assert previous.status_code == 400


def test_a_recovery_code_logs_in_once(client, agent):
    user, _secret, codes = agent
    client.post("/logout")
    password_step(client, user.email)
    typed = "  " + codes[3].upper().replace("-", " ") + " "  # however it is typed
    done = client.post(CODE_PAGE, data={"recovery_code": typed}, follow_redirects=True)
    assert "You used a recovery code: 9 are left." in text(done)
    client.post("/logout")
    password_step(client, user.email)
    again = client.post(CODE_PAGE, data={"recovery_code": codes[3]})
    assert again.status_code == 400
    page = text(again)
    assert "This recovery code is not right or was already used." in page and "<details class=\"recovery-login\" open>" in page
    assert path_of(client.get("/staff/")) == "/login"


def test_code_entry_is_rate_limited(app, client, agent, clock):
    user, secret, codes = agent
    client.post("/logout")
    password_step(client, user.email)
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        assert client.post(CODE_PAGE, data={"code": "999999"}).status_code == 400
    clock.advance(seconds=30)
    blocked = client.post(CODE_PAGE, data={"code": code_now(secret)})
    assert blocked.status_code == 429 and TOO_MANY in text(blocked)
    assert client.post(CODE_PAGE, data={"recovery_code": codes[0]}).status_code == 429  # recovery codes too
    assert path_of(client.get("/staff/")) == "/login"
    clock.advance(minutes=15)
    password_step(client, user.email)  # the half login expired meanwhile
    assert path_of(client.post(CODE_PAGE, data={"code": code_now(secret)})) == "/staff/"


def test_the_half_login_expires(client, agent, clock):
    user, secret, _codes = agent
    client.post("/logout")
    password_step(client, user.email)
    clock.advance(minutes=11)
    response = client.post(CODE_PAGE, data={"code": code_now(secret)}, follow_redirects=True)
    assert "Please log in again." in text(response)
    assert path_of(client.get("/staff/")) == "/login"


def test_the_code_page_without_a_password_step_sends_to_login(client):
    response = client.post(CODE_PAGE, data={"code": "123456"})
    assert path_of(response) == "/login"


def test_remember_me_is_kept_through_the_second_step(isolated_app):
    with isolated_app.app_context():
        user = make_user(Role.EDITOR)
        user_id, email = user.id, user.email
    browser = isolated_app.test_client()
    browser.post("/login", data={"email": email, "password": PASSWORD})
    with isolated_app.app_context():
        secret, _codes = turn_on(browser, user_id)
    browser.post("/logout")
    browser.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    with isolated_app.app_context():
        code = code_now(secret, steps_later=1)
    response = browser.post(CODE_PAGE, data={"code": code})
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    browser.delete_cookie("session", domain="localhost")
    assert browser.get("/staff/").status_code == 200


def test_turning_it_off_needs_the_password(client, agent):
    user, _secret, _codes = agent
    wrong = client.post("/portal/settings/two-factor/off", data={"off-password": "not-my-password"})
    assert wrong.status_code == 400
    assert 'id="off-password-error">Your current password is incorrect.' in text(wrong)
    assert user_row(user.id).two_factor_enabled
    done = client.post("/portal/settings/two-factor/off", data={"off-password": PASSWORD}, follow_redirects=True)
    assert "Two-factor login is off." in text(done)
    assert client.get("/staff/").status_code == 200  # this browser stays logged in
    row = user_row(user.id)
    assert not row.two_factor_enabled and row.totp_secret is None
    assert not db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    client.post("/logout")
    assert path_of(password_step(client, user.email)) == "/staff/"


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(client, agent):
    user, _secret, old = agent
    wrong = client.post("/portal/settings/two-factor/recovery-codes", data={"codes-password": "nope-nope"})
    assert wrong.status_code == 400 and 'id="codes-password-error"' in text(wrong)
    response = client.post("/portal/settings/two-factor/recovery-codes", data={"codes-password": PASSWORD})
    new = recovery_codes_in(text(response))
    assert response.headers["Cache-Control"] == "no-store" and len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    password_step(client, user.email)
    assert client.post(CODE_PAGE, data={"recovery_code": old[0]}).status_code == 400
    assert path_of(client.post(CODE_PAGE, data={"recovery_code": new[0]})) == "/staff/"


def test_password_checks_for_sensitive_changes_are_rate_limited(app, client, agent):
    user, _secret, _codes = agent
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        client.post("/portal/settings/two-factor/off", data={"off-password": "guess-guess"})
    blocked = client.post("/portal/settings/two-factor/off", data={"off-password": PASSWORD})
    assert blocked.status_code == 429 and TOO_MANY in text(blocked)
    assert user_row(user.id).two_factor_enabled


def test_customers_may_turn_it_on_too(client, login):
    customer = make_user(email="carla@example.com")
    login(customer.email)
    secret, _codes = turn_on(client, customer.id)
    client.post("/logout")
    assert path_of(password_step(client, customer.email)) == CODE_PAGE
    assert path_of(client.post(CODE_PAGE, data={"code": code_now(secret, steps_later=1)})) == "/portal/"


def test_the_new_forms_refuse_a_missing_csrf_token(make_app):
    browser = make_app(WTF_CSRF_ENABLED=True).test_client()
    for url in (CODE_PAGE, SETUP, "/portal/settings/sessions/end", "/portal/settings/two-factor/off",
                "/staff/settings/security"):
        assert browser.post(url, data={"code": "123456"}).status_code == 400, url


ODD = ["", "\x00", "9" * 5000, "²²²²²²", "١٢٣٤٥٦", "12345\x00", "1e999", "<script>", "-" * 30]


def test_odd_input_on_the_code_forms_gets_an_answer_never_a_500(client, agent):
    user, _secret, _codes = agent
    for value in ODD:
        assert client.post(SETUP, data={"code": value}).status_code < 500
        for url, field in (("/portal/settings/two-factor/off", "off-password"),
                           ("/portal/settings/two-factor/recovery-codes", "codes-password")):
            assert client.post(url, data={field: value}).status_code < 500
    client.post("/logout")
    password_step(client, user.email)
    for value in ODD[:6]:  # below the throttle
        for field in ("code", "recovery_code"):
            assert client.post(CODE_PAGE, data={field: value}).status_code in (400, 429), (field, value)
    assert client.post(CODE_PAGE, data=b"code=%ff%fe", content_type="application/x-www-form-urlencoded").status_code < 500


def test_the_page_that_asked_for_the_login_opens_after_the_code(client, agent):
    user, secret, _codes = agent
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/portal/settings"})
    assert path_of(client.post(CODE_PAGE, data={"code": code_now(secret, steps_later=1)})) == "/portal/settings"
