"""Who may erase and export: managers; agents, editors and customers get nothing, and forms need their token."""
import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.factories import PASSWORD, make_agent, make_user

STAFF_URLS = [("get", "/staff/gdpr", {}),
              ("post", "/staff/gdpr/erase", {"erase-email": "alice@example.com", "erase-confirm": "y"}),
              ("post", "/staff/gdpr/export", {"export-email": "alice@example.com"})]


def assert_refused_and_unchanged(client, world):
    """Every staff GDPR URL is a 404 (never the zip), and Alice's account is as it was."""
    for method, url, data in STAFF_URLS:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 404, url
        assert response.mimetype != "application/zip"
    db.session.expire_all()
    assert db.session.get(User, world.alice.id).email == "alice@example.com"


@pytest.mark.parametrize("role", [Role.AGENT, Role.EDITOR, Role.CUSTOMER])
def test_only_managers_reach_the_personal_data_page(client, login, world, role):
    make_agent(role=role, email="someone@example.com") if role != Role.CUSTOMER else \
        make_user(email="someone@example.com")
    login("someone@example.com")
    assert_refused_and_unchanged(client, world)
    assert "/staff/gdpr" not in client.get("/staff/").get_data(as_text=True)


def test_a_manager_finds_the_page_in_the_staff_menu_and_exports_a_customer(client, login, world):
    make_agent(role=Role.MANAGER, email="boss@example.com")
    login("boss@example.com")
    assert 'href="/staff/gdpr"' in client.get("/staff/").get_data(as_text=True)
    response = client.post("/staff/gdpr/export", data={"export-email": "alice@example.com"})
    assert response.mimetype == "application/zip"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr.exported"))
    assert (event.actor_email, event.target_label) == ("boss@example.com", "alice@example.com")


def test_staff_cannot_ask_for_erasure_from_the_portal(client, login, world):
    login("agent@example.com")
    response = client.post("/portal/privacy/erase", data={"password": PASSWORD})
    assert response.status_code == 400
    assert "Staff accounts cannot ask for erasure here: ask a manager." in response.get_data(as_text=True)


def test_the_forms_refuse_a_missing_csrf_token(app, client, login, world):
    make_agent(role=Role.MANAGER, email="boss@example.com")
    login("alice@example.com")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/portal/privacy/erase", data={"password": PASSWORD}).status_code == 400
    export = client.post("/portal/privacy/export")
    assert export.mimetype != "application/zip"
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/logout")
    login("boss@example.com")
    app.config["WTF_CSRF_ENABLED"] = True
    for _method, url, data in STAFF_URLS[1:]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert response.mimetype != "application/zip"
    db.session.expire_all()
    assert db.session.get(User, world.alice.id).email == "alice@example.com"
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("gdpr.%"))).all() == []


ODD = ["", "\x00", "a@b" * 200, "ünïcode@exämple.com", "<script>@x.com", "alice@example.com\x00"]


def test_odd_input_gets_a_clear_answer_never_a_500(client, login, runner, world):
    make_agent(role=Role.MANAGER, email="boss@example.com")
    login("boss@example.com")
    for value in ODD:
        for url, field in (("/staff/gdpr/erase", "erase-email"), ("/staff/gdpr/export", "export-email")):
            response = client.post(url, data={field: value, "erase-confirm": "y"})
            assert response.status_code == 400, (url, value)
        result = runner.invoke(args=["gdpr", "erase", value or " ", "--yes"])
        assert result.exit_code == 1 and result.output.count("\n") == 1, (value, result.output)
    db.session.expire_all()
    assert db.session.get(User, world.alice.id).email == "alice@example.com"


def _custom_role(agent, *permissions):
    from portal.accounts import roles

    manager = make_agent(role=Role.MANAGER, email="boss@example.com")
    role = roles.create_role(actor=manager, name="Privacy desk", permissions=list(permissions))
    roles.set_member_access(actor=manager, user=agent, role_id=role.id, store_ids=[])
    db.session.commit()


def test_an_agent_whose_custom_role_runs_gdpr_exports_and_erases(client, login, world):
    _custom_role(world.agent, "tickets.work", "gdpr.run")
    login("agent@example.com")
    assert 'href="/staff/gdpr"' in client.get("/staff/").get_data(as_text=True)
    export = client.post("/staff/gdpr/export", data={"export-email": "bob@example.com"})
    assert export.mimetype == "application/zip"
    done = client.post("/staff/gdpr/erase", data={"erase-email": "alice@example.com", "erase-confirm": "y"},
                       follow_redirects=True)
    assert "alice@example.com is erased" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.alice.id).email != "alice@example.com"
    actions = {(e.action, e.actor_email) for e in db.session.scalars(select(AuditEvent))}
    assert {("gdpr.exported", "agent@example.com"), ("gdpr.erased", "agent@example.com")} <= actions


def test_an_agent_whose_custom_role_lacks_gdpr_changes_nothing(client, login, world):
    _custom_role(world.agent, "tickets.work", "orders.payments")
    login("agent@example.com")
    assert_refused_and_unchanged(client, world)
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("gdpr.%"))).all()
