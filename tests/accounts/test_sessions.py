"""Log out other sessions: every other browser and remember-me cookie stops working at once; this one stays.
Also done on a password change and on two-factor changes. Each device is its own client, as in production."""
from portal.accounts.models import Role
from tests.accounts.conftest import NEW_PASSWORD, path_of
from tests.accounts.two_factor_helpers import code_now, turn_on
from tests.factories import PASSWORD, make_user

END_SESSIONS = "/portal/settings/sessions/end"


def devices(app, email, count=3, remember=True):
    """`count` clients logged in to `email` (with remember-me cookies)."""
    clients = [app.test_client() for _ in range(count)]
    for client in clients:
        client.post("/login", data={"email": email, "password": PASSWORD, **({"remember": "y"} if remember else {})})
    return clients


def logged_in(client, url="/portal/settings") -> bool:
    return client.get(url).status_code == 200


def test_log_out_other_sessions_ends_every_other_browser_and_remember_cookie(isolated_app):
    with isolated_app.app_context():
        email = make_user().email
    laptop, phone, old_tablet = devices(isolated_app, email)
    old_tablet.delete_cookie("session", domain="localhost")  # only its remember-me cookie is left
    assert logged_in(old_tablet)  # which still logs it in, until...
    page = laptop.get("/portal/settings").get_data(as_text=True)
    assert "Log out other sessions" in page
    done = laptop.post(END_SESSIONS, follow_redirects=True)
    assert "You are logged out everywhere else." in done.get_data(as_text=True)
    assert logged_in(laptop)
    assert path_of(phone.get("/portal/settings")) == "/login"
    old_tablet.delete_cookie("session", domain="localhost")
    assert path_of(old_tablet.get("/portal/settings")) == "/login"
    laptop.delete_cookie("session", domain="localhost")  # this browser's remember-me cookie was renewed
    assert logged_in(laptop)


def test_logging_in_again_after_the_revocation_works(isolated_app):
    with isolated_app.app_context():
        email = make_user().email
    laptop, phone = devices(isolated_app, email, count=2, remember=False)
    laptop.post(END_SESSIONS)
    assert not logged_in(phone)
    phone.post("/login", data={"email": email, "password": PASSWORD})
    assert logged_in(phone) and logged_in(laptop)


def test_sessions_from_before_session_ids_carried_an_epoch_end_too(isolated_app):
    with isolated_app.app_context():
        user = make_user()
        user_id, email = user.id, user.email
    old, current = isolated_app.test_client(), devices(isolated_app, email, count=1)[0]
    with old.session_transaction() as stored:
        stored["_user_id"] = str(user_id)  # a session made by an older version of the site
    assert logged_in(old)
    current.post(END_SESSIONS)
    assert not logged_in(old) and logged_in(current)


def test_a_password_change_ends_other_sessions_and_remember_cookies(isolated_app):
    with isolated_app.app_context():
        email = make_user().email
    laptop, phone = devices(isolated_app, email, count=2)
    laptop.post("/portal/settings", data={"password-current_password": PASSWORD, "password-new_password": NEW_PASSWORD,
                                          "password-confirm": NEW_PASSWORD, "password-submit": "y"})
    phone.delete_cookie("session", domain="localhost")
    assert not logged_in(phone) and logged_in(laptop)


def test_turning_two_factor_on_and_off_ends_other_sessions(isolated_app):
    with isolated_app.app_context():
        user = make_user(Role.AGENT)
        user_id, email = user.id, user.email
    laptop, phone = devices(isolated_app, email, count=2)
    with isolated_app.app_context():
        secret, _codes = turn_on(laptop, user_id)
    assert logged_in(laptop) and not logged_in(phone)
    phone.post("/login", data={"email": email, "password": PASSWORD})
    with isolated_app.app_context():
        code = code_now(secret, steps_later=1)
    phone.post("/login/two-factor", data={"code": code})
    assert logged_in(phone)
    laptop.post("/portal/settings/two-factor/off", data={"off-password": PASSWORD})
    assert logged_in(laptop) and not logged_in(phone)
