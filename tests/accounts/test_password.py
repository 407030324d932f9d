"""Forgotten passwords (one-time links) and password changes."""
from tests.accounts.conftest import NEW_PASSWORD, link_in, normalise, path_of
from tests.factories import PASSWORD, make_user

INCORRECT = "Email or password is incorrect."
CHANGE = {"password-current_password": PASSWORD, "password-new_password": NEW_PASSWORD,
          "password-confirm": NEW_PASSWORD, "password-submit": "y"}


def logs_in(client, email, password) -> bool:
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code == 302:
        client.post("/logout")
        return True
    assert INCORRECT in response.get_data(as_text=True)
    return False


def ask_for_reset(client, mails, email):
    client.post("/password/forgot", data={"email": email})
    return link_in(mails(to=email.lower())[-1].text, "/password/reset/")


def test_reset_password_by_mail_and_the_link_works_once(client, mails):
    make_user(email="rose@example.com", name="Rose Tyler")
    page = client.post("/password/forgot", data={"email": "Rose@example.com"}, follow_redirects=True)
    assert "If an account exists for Rose@example.com, we sent it a link" in page.get_data(as_text=True)
    [mail] = mails(to="rose@example.com")
    assert mail.subject == "Choose a new password" and "Hello Rose," in mail.text
    link = link_in(mail.text, "/password/reset/")

    assert "Choose a new password" in client.get(link).get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Your password has been changed. You can log in with it now." in done.get_data(as_text=True)
    assert logs_in(client, "rose@example.com", NEW_PASSWORD)
    assert not logs_in(client, "rose@example.com", PASSWORD)

    again = client.get(link)
    assert again.status_code == 400
    assert "invalid, has expired or was already used" in again.get_data(as_text=True)
    reuse = client.post(link, data={"password": "attacker-pass-1", "confirm": "attacker-pass-1"})
    assert reuse.status_code == 400
    assert not logs_in(client, "rose@example.com", "attacker-pass-1")


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(client, mails):
    make_user(email="exists@example.com")
    known = client.post("/password/forgot", data={"email": "exists@example.com"}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "absent@example.com"}, follow_redirects=True)
    assert normalise(known.get_data(as_text=True)).replace("exists@", "X@") == \
        normalise(unknown.get_data(as_text=True)).replace("absent@", "X@")
    assert len(mails(to="exists@example.com")) == 1 and mails(to="absent@example.com") == []


def test_an_expired_reset_link_is_refused(app, client, mails):
    make_user(email="slow@example.com")
    link = ask_for_reset(client, mails, "slow@example.com")
    app.config["TOKEN_MAX_AGE_SECONDS"] = -1  # as if a day had gone by
    response = client.get(link)
    assert response.status_code == 400 and "Ask for a new link" in response.get_data(as_text=True)


def test_reset_form_checks_the_new_password(client, mails):
    make_user(email="typo@example.com")
    link = ask_for_reset(client, mails, "typo@example.com")
    page = client.post(link, data={"password": NEW_PASSWORD, "confirm": "other-pass-99"}).get_data(as_text=True)
    assert "The two passwords do not match." in page
    page = client.post(link, data={"password": "short", "confirm": "short"}).get_data(as_text=True)
    assert "Use at least 8 characters." in page
    assert logs_in(client, "typo@example.com", PASSWORD)


def test_a_reset_lifts_the_login_throttle(app, client, mails):
    make_user(email="locked@example.com")
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        client.post("/login", data={"email": "locked@example.com", "password": "guess-guess"})
    link = ask_for_reset(client, mails, "locked@example.com")
    client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert logs_in(client, "locked@example.com", NEW_PASSWORD)


def test_changing_the_password_requires_the_current_one(client, login):
    user = make_user()
    login(user.email)
    wrong = client.post("/portal/settings", data={**CHANGE, "password-current_password": "not-it-at-all"})
    assert wrong.status_code == 200
    page = wrong.get_data(as_text=True)
    assert 'id="password-current_password-error">Your current password is incorrect.' in page
    done = client.post("/portal/settings", data=CHANGE, follow_redirects=True)
    assert "Your password has been changed." in done.get_data(as_text=True)
    client.post("/logout")
    assert logs_in(client, user.email, NEW_PASSWORD)
    assert not logs_in(client, user.email, PASSWORD)


def test_changing_the_password_signs_out_other_devices(isolated_app):
    with isolated_app.app_context():
        email = make_user().email
    laptop, phone = isolated_app.test_client(), isolated_app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    assert laptop.post("/portal/settings", data=CHANGE).status_code == 302
    assert laptop.get("/portal/settings").status_code == 200  # the device that changed it stays in
    assert path_of(phone.get("/portal/settings")) == "/login"
