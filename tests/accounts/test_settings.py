"""Account settings: profile, language and changing the email address."""
from portal.accounts.queries import user_by_email
from tests.accounts.conftest import link_in, path_of
from tests.factories import PASSWORD, make_user

EMAIL_CHANGE = {"email-new_email": "New@Example.com", "email-password": PASSWORD, "email-submit": "y"}


def test_settings_need_a_login(client):
    assert path_of(client.get("/portal/settings")) == "/login"


def test_name_and_language_are_saved(isolated_app):
    with isolated_app.app_context():
        email = make_user(name="Old Name").email
    client = isolated_app.test_client()  # no shared app context: each page picks its language afresh
    client.post("/login", data={"email": email, "password": PASSWORD})
    page = client.get("/portal/settings").get_data(as_text=True)
    assert '<html lang="en">' in page and 'value="Old Name"' in page
    response = client.post("/portal/settings", data={"profile-name": "  Camille   Martin ", "profile-locale": "fr",
                                                      "profile-submit": "y"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page  # the site now speaks the chosen language
    assert 'value="Camille Martin"' in page
    client.post("/portal/settings", data={"profile-name": "Camille Martin", "profile-locale": "auto",
                                          "profile-submit": "y"})
    page = client.get("/portal/settings", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    with isolated_app.app_context():
        assert user_by_email(email).locale is None


def test_change_email_is_confirmed_from_the_new_address(client, login, mails):
    user = make_user(email="old@example.com", name="Olive Oyl")
    login("old@example.com")
    response = client.post("/portal/settings", data=EMAIL_CHANGE, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "We sent a link to New@Example.com. Your address changes when you open it." in page
    assert "Your email address is old@example.com." in page  # nothing changed yet

    [notice] = mails(to="old@example.com")
    assert "from old@example.com to new@example.com" in notice.text
    assert "/password/forgot" in notice.text
    [confirm] = mails(to="new@example.com")
    assert confirm.subject == "Confirm your new email address"
    link = link_in(confirm.text, "/email/confirm/")

    done = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Your email address is now new@example.com." in done
    assert user_by_email("new@example.com").id == user.id and user_by_email("old@example.com") is None

    client.post("/logout")
    assert client.post("/login", data={"email": "new@example.com", "password": PASSWORD}).status_code == 302
    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 400 and "invalid or has expired" in again.get_data(as_text=True)


def test_change_email_needs_the_password_and_a_free_address(client, login, mails):
    def change(**changes):
        return client.post("/portal/settings", data={**EMAIL_CHANGE, **changes}).get_data(as_text=True)

    user = make_user(email="me@example.com")
    make_user(email="someone@example.com")
    login(user.email)
    page = change(**{"email-password": "wrong-wrong"})
    assert 'id="email-password-error">Your current password is incorrect.' in page
    page = change(**{"email-new_email": "someone@example.com"})
    assert 'id="email-new_email-error">An account with this email address already exists.' in page
    page = change(**{"email-new_email": "me@example.com"})
    assert "This is already your email address." in page
    assert mails(to="me@example.com") == []
