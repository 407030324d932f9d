"""A stranger cannot lock an account out; reset mail cannot be used to flood a mailbox."""
from portal.accounts.models import Role
from portal.extensions import db
from portal.mail import OutgoingMail
from tests.factories import PASSWORD, make_user

TOO_MANY = "Too many attempts"
INCORRECT = "Email or password is incorrect."
SENT = "If an account exists for"


def post_login(client, email, password=PASSWORD, ip="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def test_a_stranger_failing_locks_out_only_themself(app, client):
    make_user(role=Role.EDITOR, email="editor@example.com")
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
        post_login(client, "editor@example.com", "guess-guess", ip="203.0.113.9")
    stranger = post_login(client, "editor@example.com", PASSWORD, ip="203.0.113.9")
    assert stranger.status_code == 429 and TOO_MANY in stranger.get_data(as_text=True)

    owner = app.test_client()
    response = post_login(owner, "editor@example.com", PASSWORD, ip="198.51.100.4")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")


def test_an_attack_from_many_clients_stops_new_clients_but_not_the_owners_device(app):
    make_user(role=Role.EDITOR, email="editor@example.com")
    owner = app.test_client()
    assert post_login(owner, "editor@example.com", ip="198.51.100.4").status_code == 302
    owner.post("/logout")
    limit = app.config["LOGIN_MAX_ATTEMPTS"]
    attacker = app.test_client()
    for n in range(10 * limit):  # a botnet: a few tries from each of many addresses
        post_login(attacker, "editor@example.com", "guess-guess", ip=f"203.0.113.{n // 4}")

    newcomer = post_login(app.test_client(), "editor@example.com", PASSWORD, ip="192.0.2.77")
    assert newcomer.status_code == 429
    assert post_login(owner, "editor@example.com", PASSWORD, ip="192.0.2.78").status_code == 302


def test_the_lock_message_does_not_tell_whether_the_account_exists(app, client):
    make_user(email="real@example.com")
    answers = []
    for email in ("real@example.com", "ghost@example.com"):
        for _ in range(app.config["LOGIN_MAX_ATTEMPTS"]):
            post_login(client, email, "guess-guess", ip="203.0.113.50")
        answers.append(post_login(client, email, "guess-guess", ip="203.0.113.50").status_code)
    assert answers == [429, 429]


def _reset(client, email, ip):
    return client.post("/password/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": ip},
                       follow_redirects=True)


def test_twenty_reset_requests_send_at_most_the_per_address_limit(app, client):
    make_user(email="rose@example.com")
    for _ in range(20):
        assert SENT in _reset(client, "rose@example.com", "203.0.113.7").get_data(as_text=True)
    sent = db.session.query(OutgoingMail).filter_by(to="rose@example.com").count()
    assert sent == app.config["RESET_MAX_PER_HOUR_EMAIL"]


def test_one_client_cannot_spray_reset_mail_over_many_addresses(app, client):
    for n in range(15):
        make_user(email=f"member{n}@example.com")
    for n in range(15):
        _reset(client, f"member{n}@example.com", "203.0.113.8")
    assert db.session.query(OutgoingMail).count() == app.config["RESET_MAX_PER_HOUR_IP"]
    other_client = app.test_client()
    _reset(other_client, "member14@example.com", "198.51.100.1")
    assert db.session.query(OutgoingMail).filter_by(to="member14@example.com").count() == 1
