"""Logging in and out: messages, throttling, remember me, safe redirects."""
from urllib.parse import quote

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from tests.accounts.conftest import normalise, path_of
from tests.factories import PASSWORD, make_user

INCORRECT = "Email or password is incorrect."
TOO_MANY = "Too many attempts. Please wait 15 minutes and try again."


def post_login(client, email, password=PASSWORD, ip="10.0.0.1", **extra):
    return client.post("/login", data={"email": email, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": ip})


def test_login_page_labels_fields_for_password_managers(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page
    assert 'autocomplete="email"' in page and 'autocomplete="current-password"' in page
    assert "Remember me on this device" in page


def test_customer_logs_in_and_lands_on_their_account(client):
    user = make_user(email="claire@example.com", name="Claire Dubois")
    response = post_login(client, "Claire@Example.com ")
    assert path_of(response) == "/portal/"
    page = client.get("/portal/").get_data(as_text=True)
    assert "Hello Claire Dubois" in page
    assert db.session.get(type(user), user.id).last_login_at is not None


def test_staff_land_on_the_staff_dashboard(client):
    make_user(Role.AGENT, email="agent@example.com")
    assert path_of(post_login(client, "agent@example.com")) == "/staff/"


def test_unknown_email_and_wrong_password_get_the_same_answer(client):
    make_user(email="known@example.com")
    wrong = post_login(client, "known@example.com", "not-the-password")
    unknown = post_login(client, "ghost@example.com", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert INCORRECT in wrong.get_data(as_text=True)
    assert normalise(wrong.get_data(as_text=True)).replace("known@", "X@") == \
        normalise(unknown.get_data(as_text=True)).replace("ghost@", "X@")


def test_disabled_account_cannot_log_in(client):
    user = make_user(email="gone@example.com")
    user.active = False
    db.session.commit()
    response = post_login(client, "gone@example.com")
    assert response.status_code == 200
    assert "This account is disabled" in response.get_data(as_text=True)
    assert path_of(client.get("/portal/")) == "/login"


def test_logout_ends_the_session(client, login):
    user = make_user()
    login(user.email)
    response = client.post("/logout", follow_redirects=True)
    assert "You are logged out." in response.get_data(as_text=True)
    assert path_of(client.get("/portal/")) == "/login"


def test_login_is_refused_after_too_many_failures(app, client):
    make_user(email="target@example.com")
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        assert INCORRECT in post_login(client, "target@example.com", "guess-guess").get_data(as_text=True)
    response = post_login(client, "target@example.com")  # even the right password is refused now
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert path_of(client.get("/portal/")) == "/login"


def test_throttling_looks_the_same_for_an_account_that_does_not_exist(app, client):
    make_user(email="real@example.com")
    answers = {}
    for email in ("real@example.com", "nobody@example.com"):
        for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
            post_login(client, email, "guess-guess")
        answers[email] = post_login(client, email, "guess-guess")
    real, ghost = answers["real@example.com"], answers["nobody@example.com"]
    assert real.status_code == ghost.status_code == 429
    assert normalise(real.get_data(as_text=True)).replace("real@", "X@") == \
        normalise(ghost.get_data(as_text=True)).replace("nobody@", "X@")


def test_one_ip_failing_on_many_accounts_is_throttled_too(app, client):
    make_user(email="victim@example.com")
    for n in range(4 * app.config["LOGIN_MAX_ATTEMPTS"]):
        post_login(client, f"spray{n}@example.com", "guess-guess", ip="10.6.6.6")
    blocked = post_login(client, "victim@example.com", ip="10.6.6.6")
    assert blocked.status_code == 429 and TOO_MANY in blocked.get_data(as_text=True)
    assert path_of(post_login(client, "victim@example.com", ip="10.0.0.2")) == "/portal/"


def test_a_successful_login_clears_the_failures(app, client):
    make_user(email="forgetful@example.com")
    for _round in range(2):
        for _ in range(app.config["LOGIN_MAX_ATTEMPTS"] - 1):
            post_login(client, "forgetful@example.com", "guess-guess")
        assert path_of(post_login(client, "forgetful@example.com")) == "/portal/"
        client.post("/logout")


@pytest.mark.parametrize("remember", [True, False])
def test_remember_me_keeps_the_user_logged_in_after_the_browser_session(isolated_app, remember):
    with isolated_app.app_context():
        email = make_user().email
    client = isolated_app.test_client()
    extra = {"remember": "y"} if remember else {}
    response = post_login(client, email, **extra)
    assert ("remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))) is remember
    client.delete_cookie("session", domain="localhost")  # the browser was closed
    after = client.get("/portal/")
    assert (after.status_code == 200) is remember


@pytest.mark.parametrize("target", ["https://evil.example/steal", "//evil.example/steal", "\\\\evil.example",
                                    "/\\evil.example", "javascript:alert(1)", "http:/evil.example"])
def test_login_ignores_a_next_that_leaves_the_site(client, target):
    user = make_user()
    response = client.post(f"/login?next={quote(target)}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"] and path_of(response) == "/portal/"


def test_login_returns_to_the_page_that_asked_for_it(client):
    user = make_user()
    asked = client.get("/portal/settings")
    assert path_of(asked) == "/login"
    form_page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/portal/settings"' in form_page
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/portal/settings"})
    assert path_of(response) == "/portal/settings"
