"""Managers require two-factor login for staff (/staff/settings/security) and reset a member's."""
import re

import pytest

from portal.accounts.models import Role, User
from portal.extensions import db
from tests.accounts.conftest import path_of
from tests.accounts.two_factor_helpers import CODE_PAGE, SETUP, text, turn_on
from tests.factories import PASSWORD, make_user
from tests.test_i18n import compiled_catalogues  # noqa: F401  (compiles the French catalogue when stale)

SECURITY = "/staff/settings/security"


def require_two_factor(client, on=True):
    return client.post(SECURITY, data={"require_staff_two_factor": "y"} if on else {})


@pytest.fixture
def manager(client, login):
    """A manager with two-factor login on, logged in."""
    user = make_user(Role.MANAGER, email="maya@example.com", name="Maya Manager")
    login(user.email)
    turn_on(client, user.id)
    return user


@pytest.mark.parametrize("role", [Role.AGENT, Role.EDITOR, Role.CUSTOMER])
def test_only_managers_open_the_security_settings(client, login, role):
    login(make_user(role).email)
    assert client.get(SECURITY).status_code == 404
    assert require_two_factor(client).status_code == 404


def test_a_manager_must_use_it_before_requiring_it(client, login):
    login(make_user(Role.MANAGER).email)
    response = require_two_factor(client)
    assert response.status_code == 400
    assert "Turn on two-factor login for your own account first." in text(response)
    assert re.search(r'name="require_staff_two_factor" type="checkbox" value="y">',
                     text(client.get(SECURITY)))  # still not required


def test_staff_without_it_are_sent_to_set_it_up_and_can_do_nothing_else(app, client, manager):
    agent = make_user(Role.AGENT, email="alex@example.com", name="Alex Agent")
    customer = make_user(email="carl@example.com")
    assert path_of(require_two_factor(client)) == SECURITY
    page = text(client.get(SECURITY))
    assert "Alex Agent (alex@example.com)" in page and "Maya Manager (maya" not in page
    client.post("/logout")

    assert path_of(client.post("/login", data={"email": agent.email, "password": PASSWORD})) in ("/staff/", SETUP)
    for url in ("/staff/", "/staff/tickets/", "/portal/", "/portal/settings", "/help/en/"):
        assert path_of(client.get(url)) == SETUP, url
    assert path_of(client.post("/portal/settings/sessions/end")) == SETUP
    setup = text(client.get(SETUP))
    assert "Your team requires two-factor login. Set it up to continue." in setup
    turn_on(client, agent.id)
    assert client.get("/staff/").status_code == 200
    client.post("/logout")

    client.post("/login", data={"email": customer.email, "password": PASSWORD})
    assert client.get("/portal/").status_code == 200  # customers are never required to


def test_logging_out_stays_possible_while_setup_is_due(client, manager):
    agent = make_user(Role.AGENT)
    require_two_factor(client)
    client.post("/logout")
    client.post("/login", data={"email": agent.email, "password": PASSWORD})
    assert "You are logged out." in text(client.post("/logout", follow_redirects=True))


def test_turning_the_requirement_off_lets_staff_in_again(client, manager):
    agent = make_user(Role.AGENT)
    require_two_factor(client)
    assert path_of(require_two_factor(client, on=False)) == SECURITY
    client.post("/logout")
    client.post("/login", data={"email": agent.email, "password": PASSWORD})
    assert client.get("/staff/").status_code == 200


def test_a_manager_resets_the_two_factor_login_of_a_member_who_lost_their_phone(isolated_app):
    with isolated_app.app_context():
        boss = make_user(Role.MANAGER, name="Maya Manager").email
        agent = make_user(Role.AGENT, name="Alex Agent")
        agent_id, agent_email = agent.id, agent.email
    manager_browser, agent_browser = isolated_app.test_client(), isolated_app.test_client()
    manager_browser.post("/login", data={"email": boss, "password": PASSWORD})
    agent_browser.post("/login", data={"email": agent_email, "password": PASSWORD})
    with isolated_app.app_context():
        turn_on(agent_browser, agent_id)
    team = text(manager_browser.get("/staff/team"))
    assert "Reset the two-factor login of Alex Agent" in team
    done = manager_browser.post(f"/staff/team/{agent_id}/two-factor/reset", follow_redirects=True)
    assert "Two-factor login of Alex Agent is off" in text(done)
    assert path_of(agent_browser.get("/staff/")) == "/login"  # every session of theirs ended
    assert path_of(agent_browser.post("/login", data={"email": agent_email, "password": PASSWORD})) == "/staff/"
    again = manager_browser.post(f"/staff/team/{agent_id}/two-factor/reset", follow_redirects=True)
    assert "Alex Agent does not use two-factor login." in text(again)


def test_agents_cannot_reset_anyone(client, login):
    target = make_user(Role.AGENT)
    login(make_user(Role.AGENT).email)
    assert client.post(f"/staff/team/{target.id}/two-factor/reset").status_code == 404


def test_a_manager_cannot_reset_their_own_from_the_team_page(client, manager):
    response = client.post(f"/staff/team/{manager.id}/two-factor/reset", follow_redirects=True)
    assert "To turn off your own two-factor login, use your account settings." in text(response)
    db.session.expire_all()
    assert db.session.get(User, manager.id).two_factor_enabled


def test_the_code_page_in_french(make_app):
    app = make_app()
    with app.app_context():
        user = make_user(Role.AGENT)
        user_id, email = user.id, user.email
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    browser.post("/login", data={"email": email, "password": PASSWORD})
    with app.app_context():
        turn_on(browser, user_id)
    browser.post("/logout")
    browser.post("/login", data={"email": email, "password": PASSWORD})
    page = text(browser.get(CODE_PAGE))
    assert "Connexion en deux étapes" in page and "Code à 6 chiffres de votre application" in page


def test_the_command_line_resets_two_factor_login_when_every_manager_is_locked_out(client, manager, runner):
    result = runner.invoke(args=["users", "reset-two-factor", "MAYA@example.com"])
    assert result.exit_code == 0 and "Two-factor login of maya@example.com is off" in result.output
    assert path_of(client.get("/staff/")) == "/login"  # their sessions ended
    assert path_of(client.post("/login", data={"email": manager.email, "password": PASSWORD})) == "/staff/"
    again = runner.invoke(args=["users", "reset-two-factor", "maya@example.com"])
    assert again.exit_code == 1 and "does not use two-factor login" in again.output
    assert runner.invoke(args=["users", "reset-two-factor", "ghost@example.com"]).exit_code == 1
