"""The audit log: what is recorded, that nothing can change it, the managers' page and `portal audit list`."""
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text as sql, update
from sqlalchemy.exc import DBAPIError

from portal import audit
from portal.accounts.models import Role
from portal.audit.models import AuditEvent, AuditLogIsAppendOnly
from portal.extensions import db
from tests.accounts.conftest import path_of
from tests.accounts.two_factor_helpers import CODE_PAGE, code_now, text, turn_on
from tests.factories import PASSWORD, make_user

LOG = "/staff/audit/"


def events(action=None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    return list(db.session.scalars(query.where(AuditEvent.action == action) if action else query))


def post_login(client, email, password=PASSWORD, ip="10.0.0.7"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


@pytest.fixture
def manager(client, login):
    user = make_user(Role.MANAGER, email="maya@example.com", name="Maya Manager")
    login(user.email)
    return user


# --- what is recorded ---------------------------------------------------------------------------

def test_staff_logins_and_failed_logins_are_recorded_with_the_client_address(client):
    agent = make_user(Role.AGENT, email="alex@example.com")
    customer = make_user(email="carl@example.com")
    post_login(client, agent.email, "wrong-password")
    post_login(client, agent.email)
    client.post("/logout")
    post_login(client, customer.email, "wrong-password")
    post_login(client, customer.email)
    [failed] = events("login.failed")
    [succeeded] = events("login.succeeded")
    assert (failed.actor_email, failed.details, failed.ip) == ("alex@example.com", {"reason": "password"}, "10.0.0.7")
    assert (succeeded.actor_email, succeeded.target_label, succeeded.ip) == (agent.email, agent.email, "10.0.0.7")
    assert not [e for e in events() if e.actor_email == customer.email]  # customers are not staff


def test_two_factor_changes_and_second_step_failures_are_recorded(client, login):
    agent = make_user(Role.AGENT, email="alex@example.com")
    login(agent.email)
    secret, codes = turn_on(client, agent.id)
    client.post("/portal/settings/two-factor/recovery-codes", data={"codes-password": PASSWORD})
    client.post("/logout")
    post_login(client, agent.email)
    client.post(CODE_PAGE, data={"code": "000001"})
    client.post(CODE_PAGE, data={"code": code_now(secret, steps_later=1)})
    client.post("/portal/settings/sessions/end")
    client.post("/portal/settings/two-factor/off", data={"off-password": PASSWORD})
    actions = [e.action for e in events()]
    assert actions == ["login.succeeded", "two_factor.enabled", "two_factor.recovery_codes_regenerated",
                       "login.failed", "login.succeeded", "sessions.revoked", "two_factor.disabled"]
    assert events("login.failed")[0].details == {"reason": "two_factor"}
    assert events("login.succeeded")[-1].details == {"two_factor": "code"}
    assert not any(secret in json.dumps(e.details) or codes[0] in json.dumps(e.details) for e in events())


def test_role_changes_invitations_and_security_settings_are_recorded(client, manager, runner):
    agent = make_user(Role.AGENT, email="alex@example.com")
    client.post(f"/staff/team/{agent.id}/role", data={f"user-{agent.id}-role": "manager"})
    client.post("/staff/team", data={"email": "nina@example.com", "role": "editor"})
    turn_on(client, manager.id)
    client.post("/staff/settings/security", data={"require_staff_two_factor": "y"})
    assert runner.invoke(args=["users", "set-role", agent.email, "agent"]).exit_code == 0
    role_changes = events("team.role_changed")
    assert [(e.actor_email, e.target_label, e.details) for e in role_changes] == [
        ("maya@example.com", "alex@example.com", {"from": "agent", "to": "manager"}),
        ("", "alex@example.com", {"from": "manager", "to": "agent"})]  # the command line has no actor
    [invited] = events("team.invited")
    assert (invited.target_label, invited.details) == ("nina@example.com", {"role": "editor"})
    [setting] = events("settings.security_changed")
    assert setting.details == {"require_staff_two_factor": {"from": False, "to": True}}


def test_a_failed_change_leaves_no_audit_row(client, manager):
    client.post(f"/staff/team/{manager.id}/role", data={f"user-{manager.id}-role": "agent"})  # the last manager
    assert not events("team.role_changed")


def test_the_service_takes_models_strings_and_any_details(app):
    user = make_user(Role.EDITOR, email="eva@example.com")
    row = audit.record(user, "export.created", user, {"when": datetime(2026, 12, 1, 9, 30), "rows": 3})
    plain = audit.record(None, "settings.changed", "mail settings")
    db.session.commit()
    assert (row.target_type, row.target_id, row.target_label) == ("user", str(user.id), "eva@example.com")
    assert row.details == {"when": "2026-12-01 09:30:00", "rows": 3} and row.ip is None  # no request
    assert (plain.actor_email, plain.target_label, plain.details) == ("", "mail settings", {})


# --- nothing can change it ----------------------------------------------------------------------

def test_rows_cannot_be_changed_or_deleted_through_the_orm(app):
    row = audit.record(None, "settings.changed", "x")
    db.session.commit()
    row.action = "something.else"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, row.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_updates_and_deletes_too(app):
    row_id = audit.record(None, "settings.changed", "x").id
    db.session.commit()
    for statement in (update(AuditEvent).values(action="tampered"), sql("DELETE FROM audit_event")):
        with pytest.raises(DBAPIError):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(AuditEvent, row_id).action == "settings.changed"


def test_no_route_writes_to_the_log(app, client, manager):
    audit_rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")]
    assert audit_rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in audit_rules)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(LOG).status_code == 405


# --- the page -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.AGENT, Role.EDITOR, Role.CUSTOMER])
def test_only_managers_see_the_log(client, login, role):
    login(make_user(role).email)
    assert client.get(LOG).status_code == 404


def test_visitors_are_sent_to_log_in(client):
    assert path_of(client.get(LOG)) == "/login"


def seed(clock):
    """Rows on three days by two people."""
    alex = make_user(Role.AGENT, email="alex@example.com")
    eva = make_user(Role.EDITOR, email="eva@example.com")
    audit.record(alex, "export.created", "tickets of November", {"format": "csv"})
    clock.advance(days=1)
    audit.record(eva, "rule.updated", "Refund follow-up")
    clock.advance(days=1)
    audit.record(alex, "rule.updated", "Gift vouchers")
    db.session.commit()
    return alex, eva


def test_the_log_filters_by_person_action_day_and_text(client, manager, clock):
    start = clock.now().date()
    seed(clock)
    everything = text(client.get(LOG))
    assert "Logged in" in everything and "tickets of November" in everything and "format: csv" in everything
    by_alex = text(client.get(LOG, query_string={"person": "alex@example.com"}))
    assert "Gift vouchers" in by_alex and "Refund follow-up" not in by_alex and "2 entries" in by_alex
    updates = text(client.get(LOG, query_string={"action": "rule.updated"}))
    assert "2 entries" in updates and "tickets of November" not in updates
    first_day = text(client.get(LOG, query_string={"since": start.isoformat(), "until": start.isoformat()}))
    assert "tickets of November" in first_day and "Gift vouchers" not in first_day
    searched = text(client.get(LOG, query_string={"q": "VOUCHER"}))
    assert "1 entry" in searched and "Gift vouchers" in searched
    percent = text(client.get(LOG, query_string={"q": "%"}))
    assert "0 entries" in percent  # a wildcard is searched for, not used


def test_the_person_filter_also_shows_what_was_done_to_their_account(client, manager):
    agent = make_user(Role.AGENT, email="alex@example.com")
    client.post(f"/staff/team/{agent.id}/role", data={f"user-{agent.id}-role": "editor"})
    page = text(client.get(LOG, query_string={"person": "alex@example.com"}))
    assert "Role changed" in page and "maya@example.com" in page


@pytest.mark.parametrize("query", [{"since": "yesterday"}, {"until": "2026-13-45"}, {"since": "9999-12-31"},
                                   {"since": "2026-12-05", "until": "2026-12-01"}, {"q": "x" * 500}])
def test_bad_filters_get_field_errors_and_never_a_500(client, manager, query):
    response = client.get(LOG, query_string=query)
    assert response.status_code == 400
    page = text(response)
    assert 'class="error"' in page and "Correct the filters above to see the log." in page


def test_the_log_is_paginated(client, manager):
    for n in range(120):
        audit.record(manager, "export.created", f"export {n:03d}")
    db.session.commit()
    first = text(client.get(LOG))
    assert "export 119" in first and "export 069" not in first and "Page 1 of 3" in first
    second = text(client.get(LOG, query_string={"page": 2, "action": "export.created"}))
    assert "export 069" in second and "export 119" not in second and 'rel="prev"' in second
    assert client.get(LOG, query_string={"page": "abc"}).status_code == 200
    beyond = text(client.get(LOG, query_string={"page": 99}))
    assert "There is nothing on this page." in beyond and "export 0" not in beyond


def test_the_log_page_reads_few_queries(client, manager, count_queries):
    for n in range(50):
        audit.record(manager, "export.created", f"export {n}")
    db.session.commit()
    with count_queries() as statements:
        assert client.get(LOG).status_code == 200
    assert len(statements) < 15


# --- the command line ---------------------------------------------------------------------------

def test_portal_audit_list_filters_and_prints_json(app, runner, clock):
    start = clock.now().date()
    seed(clock)
    lines = runner.invoke(args=["audit", "list"]).output
    assert "alex@example.com" in lines and "rule.updated -> Gift vouchers" in lines and "3 events." in lines
    result = runner.invoke(args=["audit", "list", "--actor", "alex@example.com", "--action", "rule.updated", "--json"])
    assert result.exit_code == 0
    [row] = json.loads(result.output)
    assert (row["actor"], row["action"], row["target"]["label"]) == ("alex@example.com", "rule.updated", "Gift vouchers")
    since_start = runner.invoke(args=["audit", "list", "--since", start.isoformat(), "--json"]).output
    since_next_day = runner.invoke(args=["audit", "list", "--since", str(start + timedelta(days=1)), "--json"]).output
    assert len(json.loads(since_start)) == 3 and len(json.loads(since_next_day)) == 2
    bad = runner.invoke(args=["audit", "list", "--since", "last week"])
    assert bad.exit_code == 2 and "use YYYY-MM-DD" in bad.output


@pytest.mark.parametrize("value", ["\x00", "9" * 5000, "²", "%_", "'; DROP TABLE audit_event; --"])
def test_odd_filter_values_never_break_the_page(client, manager, value):
    for name in ("person", "action", "since", "until", "q", "page"):
        assert client.get(LOG, query_string={name: value}).status_code in (200, 400), name
