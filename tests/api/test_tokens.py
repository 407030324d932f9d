"""Personal access tokens: created at /staff/settings/api (shown once) or `portal api token create`,
listed with their last use, revoked at once; customers get none."""
import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.api import services
from portal.api.models import ApiToken
from portal.errors import PermissionDenied, ValidationError
from portal.extensions import db
from tests.api.conftest import error_of
from tests.factories import PASSWORD, make_user


def staff_login(login, role=Role.AGENT, **overrides):
    user = make_user(role, **overrides)
    login(user.email, PASSWORD)
    return user


def test_create_a_token_on_the_settings_page_shown_once(client, login, api):
    agent = staff_login(login, name="Ann Agent")
    page = client.get("/staff/settings/api/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="tickets:write"' in html and 'value="help_center:write"' not in html  # agents do not edit
    created = client.post("/staff/settings/api/", data={"name": "Shop sync", "expires": "90",
                                                        "scopes": ["tickets:read", "orders:read"]})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'value="(cpt_[^"]+)"', created.get_data(as_text=True)).group(1)
    assert "Copy it now: it will not be shown again." in created.get_data(as_text=True)
    token = db.session.scalars(select(ApiToken)).one()
    assert token.user_id == agent.id and token.scopes == ["tickets:read", "orders:read"] and token.expires_at
    assert api.get("/tickets", token=secret).status_code == 200
    again = client.get("/staff/settings/api/").get_data(as_text=True)
    assert secret not in again and token.prefix in again and "Shop sync" in again
    assert "tickets:read, orders:read" in again


def test_the_page_refuses_bad_tokens_and_customers(client, login):
    staff_login(login, role=Role.EDITOR)
    no_scope = client.post("/staff/settings/api/", data={"name": "x"})
    assert no_scope.status_code == 400 and "Choose at least one scope." in no_scope.get_data(as_text=True)
    beyond = client.post("/staff/settings/api/", data={"name": "x", "scopes": ["tickets:read"]})
    assert beyond.status_code == 400 and "Your role cannot use the scope tickets:read." in beyond.get_data(as_text=True)
    unnamed = client.post("/staff/settings/api/", data={"name": "", "scopes": ["help_center:read"]})
    assert unnamed.status_code == 400
    assert db.session.scalar(select(ApiToken.id)) is None
    client.post("/logout")
    customer = make_user(Role.CUSTOMER)
    client.post("/login", data={"email": customer.email, "password": PASSWORD})
    assert client.get("/staff/settings/api/").status_code == 404
    assert client.post("/staff/settings/api/", data={"name": "x", "scopes": ["tickets:read"]}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.create_token(user=customer, name="mine", scopes=["tickets:read"])


def test_revoke_mine_and_a_manager_revokes_anyones(client, login, api, token):
    agent = staff_login(login)
    mine = token(agent, "users:read", name="Mine")
    colleague = make_user(Role.AGENT)
    theirs = token(colleague, "users:read", name="Theirs")
    ids = {t.name: t.id for t in db.session.scalars(select(ApiToken))}
    assert client.post(f"/staff/settings/api/{ids['Theirs']}/revoke").status_code == 404  # not mine
    assert api.get("/users/me", token=theirs).status_code == 200
    response = client.post(f"/staff/settings/api/{ids['Mine']}/revoke")
    assert response.status_code == 302
    assert error_of(api.get("/users/me", token=mine))["code"] == "invalid_token"
    client.post("/logout")
    staff_login(login, role=Role.MANAGER)
    everyone = client.get("/staff/settings/api/").get_data(as_text=True)
    assert "Theirs" in everyone and "Mine" in everyone
    assert client.post(f"/staff/settings/api/{ids['Theirs']}/revoke").status_code == 302
    assert api.get("/users/me", token=theirs).status_code == 401


def test_the_page_is_in_french(client, login):
    staff_login(login)
    page = unescape(client.get("/staff/settings/api/", headers={"Accept-Language": "fr"}).get_data(as_text=True))
    assert "Jetons d'API" in page and "Créer un jeton" in page and "Lecture" in page


def test_cli_create_list_and_revoke(runner, api):
    make_user(Role.MANAGER, email="ops@example.com")
    created = runner.invoke(args=["api", "token", "create", "--user", "ops@example.com", "--name", "Backups",
                                  "--scope", "tickets:read", "--scope", "orders:read", "--expires-days", "30",
                                  "--json"])
    assert created.exit_code == 0, created.output
    data = json.loads(created.output)
    assert data["token"].startswith("cpt_") and data["scopes"] == ["tickets:read", "orders:read"]
    assert data["expires_at"].endswith("Z") and data["live"] is True
    assert api.get("/orders", token=data["token"]).status_code == 200
    listed = json.loads(runner.invoke(args=["api", "token", "list", "--json"]).output)
    assert [t["id"] for t in listed] == [data["id"]] and "token" not in listed[0]
    assert listed[0]["last_used_at"] is not None
    text = runner.invoke(args=["api", "token", "list"]).output
    assert "Backups" in text and data["token"] not in text
    revoked = runner.invoke(args=["api", "token", "revoke", str(data["id"])])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert api.get("/orders", token=data["token"]).status_code == 401


def test_cli_errors_are_one_line(runner):
    make_user(Role.CUSTOMER, email="buyer@example.com")
    make_user(Role.EDITOR, email="ed@example.com")
    customer = runner.invoke(args=["api", "token", "create", "--user", "buyer@example.com", "--name", "x",
                                   "--scope", "tickets:read"])
    assert customer.exit_code == 1 and "Only staff accounts can create API tokens." in customer.output
    editor = runner.invoke(args=["api", "token", "create", "--user", "ed@example.com", "--name", "x",
                                 "--scope", "tickets:read"])
    assert editor.exit_code == 1 and "scopes: Your role cannot use the scope tickets:read." in editor.output
    nobody = runner.invoke(args=["api", "token", "create", "--user", "no@example.com", "--name", "x",
                                 "--scope", "tickets:read"])
    assert nobody.exit_code == 1 and "no account" in nobody.output
    assert runner.invoke(args=["api", "token", "revoke", "999"]).exit_code == 1
    assert db.session.scalar(select(ApiToken.id)) is None


def test_expiry_must_be_in_the_future(app):
    manager = make_user(Role.MANAGER)
    from datetime import datetime

    with pytest.raises(ValidationError) as error:
        services.create_token(user=manager, name="x", scopes=["users:read"], expires_at=datetime(2000, 1, 1))
    assert error.value.field == "expires_at"
