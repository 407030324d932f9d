"""The "settings.manage" permission: the site's settings pages, which a custom agent role may hold, apart from
the team and its roles, which stay with managers ("staff.manage")."""
import pytest

from portal.accounts import policy, roles
from portal.accounts.models import Role
from portal.automation import csat
from portal.automation.models import BusinessCalendar
from portal.extensions import db
from portal.permissions import can
from tests.factories import make_agent, make_user

SETTINGS_PAGES = ["/staff/settings/stores", "/staff/settings/mailboxes", "/staff/settings/channels/",
                  "/staff/settings/hours/", "/staff/settings/hours/new", "/staff/settings/sla/",
                  "/staff/settings/rules/", "/staff/settings/webhooks/", "/staff/settings/csat",
                  "/staff/settings/security", "/staff/settings/jobs/", "/staff/reports/settings"]
TEAM_PAGES = ["/staff/team", "/staff/settings/roles", "/staff/groups"]
HOURS = {"name": "Paris office", "timezone": "Europe/Paris", "day0": "09:00-18:00", "day1": "09:00-18:00",
         "day2": "09:00-18:00", "day3": "09:00-18:00", "day4": "09:00-18:00", "country": "FR"}


@pytest.fixture
def manager(app):
    return make_user(Role.MANAGER, email="maya@example.com", name="Maya Manager")


def _agent_with(manager, email, *permissions):
    agent = make_agent(email=email)
    role = roles.create_role(actor=manager, name=f"Role of {email}", permissions=list(permissions))
    roles.set_member_access(actor=manager, user=agent, role_id=role.id, store_ids=[])
    db.session.commit()
    return agent


def test_managers_hold_it_and_base_agents_and_editors_do_not(app, manager):
    assert can(manager, "settings.manage")
    assert not can(make_agent(), "settings.manage") and not can(make_user(Role.EDITOR), "settings.manage")
    assert "settings.manage" in roles.assignable_permissions()


def test_a_custom_role_with_settings_reaches_the_settings_pages_and_saves(app, client, login, manager):
    _agent_with(manager, "ops@example.com", "tickets.work", "settings.manage")
    login("ops@example.com")
    for url in SETTINGS_PAGES:
        assert client.get(url).status_code == 200, url
    menu = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/settings/webhooks/"' in menu and 'href="/staff/team"' not in menu
    saved = client.post("/staff/settings/csat", data={"delay_hours": "2", "channels": ["email"]})
    assert saved.status_code == 302 and csat.settings()["delay_hours"] == 2
    assert client.post("/staff/settings/hours/new", data=HOURS).status_code == 302
    assert db.session.query(BusinessCalendar).one().name == "Paris office"
    assert client.post("/staff/settings/security", data={}).status_code == 302
    assert not policy.staff_two_factor_required()


def test_settings_never_open_the_team_or_the_roles(app, client, login, manager):
    ops = _agent_with(manager, "ops@example.com", "tickets.work", "settings.manage")
    login("ops@example.com")
    for url in TEAM_PAGES:
        assert client.get(url).status_code == 404, url
    assert client.post("/staff/settings/roles", data={"name": "Boss"}).status_code == 404
    assert client.post(f"/staff/team/{ops.id}/access", data={"staff_role": ""}).status_code == 404
    assert db.session.get(type(ops), ops.id).staff_role is not None


def test_agents_without_it_get_a_404_and_save_nothing(app, client, login, manager):
    make_agent(email="agent@example.com")
    _agent_with(manager, "desk@example.com", "tickets.work", "reports.view", "reports.all")
    for email in ("agent@example.com", "desk@example.com"):
        login(email)
        for url in SETTINGS_PAGES:
            assert client.get(url).status_code == 404, (email, url)
        assert client.post("/staff/settings/csat", data={"delay_hours": "5"}).status_code == 404
        assert client.post("/staff/settings/hours/new", data=HOURS).status_code == 404
        assert 'href="/staff/settings/webhooks/"' not in client.get("/staff/").get_data(as_text=True)
        client.post("/logout")
    assert csat.settings()["delay_hours"] == 24
    assert db.session.query(BusinessCalendar).count() == 0


def test_an_editor_role_cannot_take_settings(app, manager):
    editor = make_user(Role.EDITOR)
    role = roles.create_role(actor=manager, name="Wide editor", permissions=["kb.edit", "settings.manage"])
    roles.set_member_access(actor=manager, user=editor, role_id=role.id, store_ids=[])
    db.session.commit()
    assert can(editor, "kb.edit") and not can(editor, "settings.manage")
