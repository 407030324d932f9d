"""`portal users …` through the Flask CLI runner."""
import json

import pytest

from portal.accounts import cli
from portal.accounts.models import Role
from portal.accounts.queries import user_by_email
from tests.factories import PASSWORD, make_user


def users(runner, *args, **kwargs):
    return runner.invoke(args=["users", *args], **kwargs)


def test_create_a_manager_who_can_then_log_in(runner, client):
    result = users(runner, "create", "Boss@Example.com", "--role", "manager", "--password", PASSWORD,
                   "--name", "Big Boss")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Created manager account boss@example.com."
    assert client.post("/login", data={"email": "boss@example.com", "password": PASSWORD}).status_code == 302
    assert client.get("/staff/team").status_code == 200


def test_create_prompts_for_the_password_twice_on_a_terminal(runner, monkeypatch):
    monkeypatch.setattr(cli, "interactive", lambda: True)
    result = users(runner, "create", "typed@example.com", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert user_by_email("typed@example.com").role == Role.CUSTOMER


@pytest.mark.parametrize("args, message", [
    (["dup@example.com", "--password", PASSWORD], "Error: An account with this email address already exists."),
    (["not-an-email", "--password", PASSWORD], "Error: Enter a valid email address."),
    (["short@example.com", "--password", "short"], "Error: Use at least 8 characters."),
])
def test_create_refuses_bad_input_with_one_line(runner, args, message):
    make_user(email="dup@example.com")
    result = users(runner, "create", *args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message]


def test_create_rejects_an_unknown_role(runner):
    result = users(runner, "create", "x@example.com", "--role", "admin", "--password", PASSWORD)
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert user_by_email("x@example.com") is None


def test_list_and_json(runner):
    make_user(Role.EDITOR, email="eva@example.com", name="Eva Editor")
    make_user(email="carl@example.com")
    table = users(runner, "list")
    assert table.exit_code == 0
    assert "eva@example.com" in table.output and "carl@example.com" in table.output
    data = json.loads(users(runner, "list", "--role", "editor", "--json").output)
    assert [(u["email"], u["role"], u["name"]) for u in data] == [("eva@example.com", "editor", "Eva Editor")]


def test_set_role_and_its_errors(runner):
    make_user(Role.MANAGER, email="only@example.com")
    make_user(email="carl@example.com")
    result = users(runner, "set-role", "carl@example.com", "agent")
    assert result.exit_code == 0 and result.output.strip() == "carl@example.com is now agent."
    assert user_by_email("carl@example.com").role == Role.AGENT
    last = users(runner, "set-role", "only@example.com", "customer")
    assert last.exit_code == 1
    assert last.output.strip() == "Error: only@example.com is the last manager: make someone else a manager first."
    missing = users(runner, "set-role", "ghost@example.com", "agent")
    assert missing.exit_code == 1
    assert missing.output.strip() == "Error: No account with the email ghost@example.com."
