"""Staff access, invitations and role changes on /staff/team."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, StaffInvite
from portal.accounts.queries import user_by_email
from portal.extensions import db
from tests.accounts.conftest import NEW_PASSWORD, link_in, path_of
from tests.factories import make_user


def invite(client, email="nina@example.com", role="agent"):
    return client.post("/staff/team", data={"email": email, "role": role}, follow_redirects=True)


def set_role(client, user, role):
    return client.post(f"/staff/team/{user.id}/role", data={f"user-{user.id}-role": role}, follow_redirects=True)


@pytest.mark.parametrize("url", ["/staff/", "/staff/team", "/staff/outbox"])
def test_staff_pages_do_not_exist_for_customers(client, login, url):
    login(make_user(Role.CUSTOMER).email)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/staff/", "/staff/team"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert path_of(response) == "/login" and "next=" in response.headers["Location"]


def test_only_managers_see_the_team_page(client, login):
    login(make_user(Role.AGENT).email)
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/team").status_code == 404


def test_team_page_lists_staff_with_their_roles(client, login):
    manager = make_user(Role.MANAGER, name="Maya Manager")
    make_user(Role.EDITOR, name="Eva Editor")
    make_user(Role.CUSTOMER, name="Carl Customer")
    login(manager.email)
    page = client.get("/staff/team").get_data(as_text=True)
    assert "Maya Manager" in page and "Eva Editor" in page and "Carl Customer" not in page
    assert '<label for="user-%d-role">Role of Maya Manager</label>' % manager.id in page


def test_manager_invites_an_agent_who_joins_once(client, login, mails):
    manager = make_user(Role.MANAGER, name="Maya Manager")
    login(manager.email)
    page = invite(client, "Nina@Example.com").get_data(as_text=True)
    assert "Invitation sent to Nina@Example.com." in page
    assert "Pending invitations" in page and "nina@example.com" in page
    [mail] = mails(to="nina@example.com")
    assert "Maya Manager invites you to join the Comptoir team as Agent." in mail.text
    link = link_in(mail.text, "/invite/")
    client.post("/logout")

    form = client.get(link).get_data(as_text=True)
    assert "Join the team" in form and "nina@example.com" in form
    joined = client.post(link, data={"name": "Nina Agent", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert path_of(joined) == "/staff/"
    assert "Welcome to the team, Nina!" in client.get("/staff/").get_data(as_text=True)
    agent = user_by_email("nina@example.com")
    assert agent.role == Role.AGENT and agent.email_verified

    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 410 and "expired or was already used" in again.get_data(as_text=True)
    reuse = client.post(link, data={"name": "Eve", "password": "evil-pass-99", "confirm": "evil-pass-99"})
    assert reuse.status_code == 410
    assert client.post("/login", data={"email": "nina@example.com", "password": NEW_PASSWORD}).status_code == 302


def test_an_expired_invitation_says_so(client, login, mails):
    login(make_user(Role.MANAGER).email)
    invite(client)
    link = link_in(mails(to="nina@example.com")[0].text, "/invite/")
    pending = db.session.scalar(select(StaffInvite))
    pending.expires_at -= timedelta(days=30)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "Ask a manager to send you a new one." in response.get_data(as_text=True)


def test_a_new_invitation_replaces_the_old_link(client, login, mails):
    login(make_user(Role.MANAGER).email)
    invite(client)
    invite(client, role="editor")
    first, second = (link_in(m.text, "/invite/") for m in mails(to="nina@example.com"))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_inviting_someone_already_on_the_team_is_refused(client, login, mails):
    login(make_user(Role.MANAGER).email)
    make_user(Role.EDITOR, email="eva@example.com")
    page = invite(client, "eva@example.com").get_data(as_text=True)
    assert 'id="email-error">eva@example.com is already on the team.' in page
    assert mails(to="eva@example.com") == []


def test_an_invited_customer_keeps_their_account_and_becomes_staff(client, login, mails):
    customer = make_user(email="carl@example.com")
    login(make_user(Role.MANAGER).email)
    invite(client, "carl@example.com", "editor")
    client.post("/logout")
    link = link_in(mails(to="carl@example.com")[0].text, "/invite/")
    client.post(link, data={"name": "Carl Editor", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert client.get("/staff/").status_code == 200
    assert user_by_email("carl@example.com").id == customer.id


def test_customers_and_agents_cannot_invite(client, login, mails):
    login(make_user(Role.AGENT).email)
    assert client.post("/staff/team", data={"email": "x@example.com", "role": "manager"}).status_code == 404
    assert mails() == []


def test_manager_changes_a_role(client, login):
    manager = make_user(Role.MANAGER)
    editor = make_user(Role.EDITOR, name="Eva Editor")
    login(manager.email)
    page = set_role(client, editor, "agent").get_data(as_text=True)
    assert "Eva Editor is now: Agent." in page
    assert user_by_email(editor.email).role == Role.AGENT


def test_non_managers_cannot_change_roles(client, login):
    agent = make_user(Role.AGENT)
    login(agent.email)
    response = client.post(f"/staff/team/{agent.id}/role", data={f"user-{agent.id}-role": "manager"})
    assert response.status_code == 404
    assert user_by_email(agent.email).role == Role.AGENT


def test_the_last_manager_cannot_step_down(client, login):
    manager = make_user(Role.MANAGER)
    login(manager.email)
    page = set_role(client, manager, "agent").get_data(as_text=True)
    assert "is the last manager: make someone else a manager first." in page
    assert user_by_email(manager.email).role == Role.MANAGER

    colleague = make_user(Role.AGENT)
    set_role(client, colleague, "manager")
    response = client.post(f"/staff/team/{manager.id}/role", data={f"user-{manager.id}-role": "agent"})
    assert path_of(response) == "/staff/"  # no longer allowed on the team page
    assert client.get("/staff/team").status_code == 404
