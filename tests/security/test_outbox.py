"""The outbox: the takeover through a manager's reset mail is closed; one-time links never shown."""
import re

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services as ticket_services
from tests.factories import PASSWORD, make_agent, make_user

TAKEOVER_PASSWORD = "attacker-owns-you-1"


def _reset_links(text):
    return re.findall(r"(?:https?://localhost)?(/password/reset/[^\s\"'<>]+)", text)


def _logs_in(client, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    ok = response.status_code == 302
    if ok:
        client.post("/logout")
    return ok


@pytest.mark.parametrize("role,scope", [(Role.EDITOR, None), (Role.AGENT, "assigned"), (Role.AGENT, "all")])
def test_takeover_through_the_outbox_fails(app, client, login, role, scope):
    manager = make_user(role=Role.MANAGER, email="boss@example.com")
    attacker = make_agent(scope=scope) if role == Role.AGENT else make_user(role=role)
    client.post("/password/forgot", data={"email": manager.email})  # the attacker asks for the manager's reset
    login(attacker.email)

    listing = client.get("/staff/outbox")
    assert listing.status_code == 404
    mail = db.session.query(OutgoingMail).filter_by(to=manager.email).one()
    for url in (f"/staff/outbox/{mail.id}", f"/staff/outbox/{mail.id}.eml"):
        response = client.get(url)
        assert response.status_code == 404 and not _reset_links(response.get_data(as_text=True))
    assert "/staff/outbox" not in client.get("/staff/").get_data(as_text=True)

    client.post("/logout")
    assert _logs_in(client, manager.email, PASSWORD)
    assert not _logs_in(client, manager.email, TAKEOVER_PASSWORD)


def test_managers_see_mail_with_one_time_links_hidden(app, client, login):
    make_user(role=Role.MANAGER, email="boss@example.com")
    reader = make_user(role=Role.MANAGER, email="other-manager@example.com")
    make_user(email="rose@example.com")
    client.post("/password/forgot", data={"email": "boss@example.com"})
    client.post("/register", data={"email": "new@example.com", "password": PASSWORD, "confirm": PASSWORD,
                                   "name": "New Person", "accept": "y"})
    client.post("/logout")
    login(reader.email)

    listing = client.get("/staff/outbox").get_data(as_text=True)
    assert "boss@example.com" in listing and "new@example.com" in listing
    for mail in db.session.query(OutgoingMail).all():
        assert "/password/reset/" in mail.text or "/verify/" in mail.text  # the real mail carries the link
        page = client.get(f"/staff/outbox/{mail.id}").get_data(as_text=True)
        eml = client.get(f"/staff/outbox/{mail.id}.eml").get_data(as_text=True)
        assert "[one-time link hidden]" in page
        for shown in (page, eml):
            assert not _reset_links(shown) and "/verify/" not in shown


def test_guest_ticket_links_are_hidden_but_ordinary_links_stay(app, client, login):
    reader = make_user(role=Role.MANAGER)
    ticket = ticket_services.open_ticket(email="guest@example.com", name="Guest", subject="Broken mug",
                                         body="It arrived broken.", channel="web")
    db.session.commit()
    login(reader.email)
    mail = db.session.query(OutgoingMail).filter_by(to="guest@example.com").first()
    assert "/help/requests/" in mail.text
    page = client.get(f"/staff/outbox/{mail.id}").get_data(as_text=True)
    assert "/help/requests/" not in page and "[one-time link hidden]" in page
    assert f"#{ticket.number}" in page


def test_a_manager_limited_by_scope_does_not_see_other_tickets_mail(app):
    from portal.staff.outbox import visible_mails

    ticket_services.open_ticket(email="guest@example.com", name="Guest", subject="Broken mug",
                                body="It arrived broken.", channel="web")
    db.session.commit()
    assigned_agent = make_agent(scope="assigned")
    all_agent = make_agent(scope="all")
    assert visible_mails(assigned_agent) == []
    assert [m.to for m in visible_mails(all_agent)] == ["guest@example.com"]
