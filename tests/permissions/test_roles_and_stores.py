"""Custom staff roles and per-store visibility, the way managers and agents meet them."""
import pytest
from sqlalchemy import select

from portal.accounts import roles
from portal.accounts.models import Role, StaffRole, User
from portal.audit.models import AuditEvent
from portal.errors import ValidationError
from portal.extensions import db
from portal.permissions import PERMISSIONS, can
from portal.tickets import services as ticket_services
from tests.factories import make_agent, make_order, make_store, make_ticket, make_user


@pytest.fixture
def manager(app):
    return make_user(Role.MANAGER, email="maya@example.com", name="Maya Manager")


@pytest.fixture
def shops(app):
    return make_store(name="Alpha shop"), make_store(name="Beta shop")


def _give(manager, member, *, role=None, stores=()):
    roles.set_member_access(actor=manager, user=member, role_id=role.id if role else None,
                            store_ids=[s.id for s in stores])
    db.session.commit()


def _role(manager, name, *permissions):
    role = roles.create_role(actor=manager, name=name, permissions=list(permissions))
    db.session.commit()
    return role


# --- the permission matrix ---------------------------------------------------------------------

def test_base_roles_keep_their_permissions_and_a_custom_role_replaces_them(app, manager):
    editor, agent = make_user(Role.EDITOR), make_agent()
    customer = make_user()
    for permission, holders in PERMISSIONS.items():
        for user in (customer, editor, agent, manager):
            assert can(user, permission) == (user.role in holders), (user.role, permission)
    payments_only = _role(manager, "Billing desk", "tickets.work", "orders.payments")
    _give(manager, agent, role=payments_only)
    assert can(agent, "staff.access") and can(agent, "tickets.work") and can(agent, "orders.payments")
    assert not can(agent, "reports.view") and not can(agent, "forum.moderate")


def test_a_custom_role_never_gives_manager_powers_or_more_than_the_base_role(app, manager):
    editor = make_user(Role.EDITOR)
    with pytest.raises(ValidationError):
        roles.create_role(actor=manager, name="Boss", permissions=["staff.manage"])
    db.session.rollback()
    wide = _role(manager, "Wide", *roles.assignable_permissions())
    _give(manager, editor, role=wide)
    for permission in ("staff.manage", "audit.view", "outbox.view", "api.tokens.manage"):
        assert not can(editor, permission)
    assert not can(editor, "tickets.work")  # an editor's base role does not work tickets
    assert can(editor, "kb.edit") and can(editor, "forum.moderate")


def test_managers_cannot_take_a_custom_role_or_a_store_limit(app, manager, shops):
    other = make_user(Role.MANAGER)
    with pytest.raises(ValidationError) as raised:
        roles.set_member_access(actor=manager, user=other, role_id=None, store_ids=[shops[0].id])
    assert raised.value.field == "stores"


# --- reports, and edits that take effect at once ------------------------------------------------

def test_a_custom_role_without_reports_loses_the_reports_page_at_once(app, client, login, manager):
    agent = make_agent(email="agent@example.com")
    role = _role(manager, "Tickets only", "tickets.work")
    login("agent@example.com")
    assert client.get("/staff/reports/").status_code == 200
    _give(manager, agent, role=role)
    assert client.get("/staff/reports/").status_code == 404
    roles.update_role(actor=manager, role=role, name="Tickets and reports",
                      permissions=["tickets.work", "reports.view"])
    db.session.commit()
    assert client.get("/staff/reports/").status_code == 200
    assert client.get("/staff/reports/export/volume.csv").status_code == 404  # no data.export
    assert "Download as CSV" not in client.get("/staff/reports/volume").get_data(as_text=True)
    roles.update_role(actor=manager, role=role, name="Tickets and reports",
                      permissions=["tickets.work", "reports.view", "data.export"])
    db.session.commit()
    assert client.get("/staff/reports/export/volume.csv").status_code == 200
    roles.delete_role(actor=manager, role=role)
    db.session.commit()
    assert db.session.get(User, agent.id).staff_role is None
    assert client.get("/staff/reports/").status_code == 200  # back to the agent's base role


# --- per-store visibility ------------------------------------------------------------------------

def test_an_agent_of_store_a_never_sees_store_b(app, client, login, manager, shops):
    alpha, beta = shops
    agent = make_agent(email="agent@example.com")
    _give(manager, agent, stores=[alpha])
    order_a = make_order(store=alpha, number="A-100", email="ann@example.com")
    order_b = make_order(store=beta, number="B-200", email="ann@example.com")
    ticket_a = make_ticket(subject="Alpha parcel", email="ann@example.com", store_id=alpha.id)
    ticket_b = make_ticket(subject="Beta parcel", email="ann@example.com", store_id=beta.id)
    no_store = make_ticket(subject="General question", email="ann@example.com")
    login("agent@example.com")

    queue = client.get("/staff/tickets/?view=open").get_data(as_text=True)
    assert "Alpha parcel" in queue and "General question" in queue and "Beta parcel" not in queue
    assert client.get(f"/staff/tickets/{ticket_b.number}").status_code == 404
    assert client.get(f"/staff/orders/{order_b.id}").status_code == 404
    assert client.post(f"/staff/orders/{order_b.id}/log", data={"note": "x"}).status_code == 404
    search = client.get("/staff/orders/?q=ann@example.com").get_data(as_text=True)
    assert "A-100" in search and "B-200" not in search
    page = client.get(f"/staff/tickets/{no_store.number}").get_data(as_text=True)
    assert "#A-100" in page and "#B-200" not in page  # the sidebar's recent orders
    assert client.get(f"/staff/tickets/{ticket_a.number}").status_code == 200
    assert client.get(f"/staff/orders/{order_a.id}").status_code == 200


def test_a_manager_and_an_unlimited_agent_see_every_store(app, client, login, manager, shops):
    make_agent(email="agent@example.com")
    ticket_b = make_ticket(subject="Beta parcel", store_id=shops[1].id)
    for email in ("agent@example.com", "maya@example.com"):
        login(email)
        assert client.get(f"/staff/tickets/{ticket_b.number}").status_code == 200
        client.post("/logout")


def test_linking_a_ticket_to_a_hidden_order_finds_nothing(app, client, login, manager, shops):
    agent = make_agent(email="agent@example.com")
    _give(manager, agent, stores=[shops[0]])
    hidden = make_order(store=shops[1], number="B-300")
    ticket = make_ticket(subject="Where is it")
    login("agent@example.com")
    client.post(f"/staff/tickets/{ticket.number}/order", data={"order_id": str(hidden.id)})
    client.post(f"/staff/tickets/{ticket.number}/order", data={"order": "B-300"})
    assert ticket_services.get_ticket(ticket.number).order_id is None


def test_the_api_hides_other_stores(app, client, manager, shops):
    from portal.api import services as api_services

    agent = make_agent(email="agent@example.com")
    _give(manager, agent, stores=[shops[0]])
    order_b = make_order(store=shops[1], number="B-400", email="bob@example.com")
    make_order(store=shops[0], number="A-400", email="bob@example.com")
    ticket_b = make_ticket(subject="Beta via API", store_id=shops[1].id)
    make_ticket(subject="Alpha via API", store_id=shops[0].id)
    _token, secret = api_services.create_token(user=agent, name="Tool", scopes=["tickets:read", "orders:read"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    subjects = [t["subject"] for t in client.get("/api/v1/tickets", headers=headers).get_json()["data"]]
    assert "Alpha via API" in subjects and "Beta via API" not in subjects
    assert client.get(f"/api/v1/tickets/{ticket_b.number}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/orders/{order_b.id}", headers=headers).status_code == 404
    for query in ("", "?q=bob@example.com"):
        numbers = [o["number"] for o in client.get(f"/api/v1/orders{query}", headers=headers).get_json()["data"]]
        assert "A-400" in numbers and "B-400" not in numbers, query


# --- payments ------------------------------------------------------------------------------------

def test_payments_show_only_with_the_payments_permission(app, client, login, manager):
    agent = make_agent(email="agent@example.com")
    order = make_order(number="P-1")
    login("agent@example.com")
    assert "Payment" in client.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    _give(manager, agent, role=_role(manager, "No money", "tickets.work"))
    page = client.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    assert "Linen shirt" in page and "Payment" not in page


# --- the pages managers use ----------------------------------------------------------------------

def test_a_manager_builds_a_role_and_gives_it_with_stores(app, client, login, manager, shops):
    agent = make_agent(email="agent@example.com", name="Alex Agent")
    login("maya@example.com")
    page = client.get("/staff/settings/roles").get_data(as_text=True)
    assert "See payments and refunds" in page
    response = client.post("/staff/settings/roles", data={"name": "Store desk",
                                                         "permissions": ["tickets.work", "reports.view"]})
    assert response.status_code == 302
    role = db.session.scalar(select(StaffRole).where(StaffRole.name == "Store desk"))
    assert role.permissions == ["tickets.work", "reports.view"]
    response = client.post(f"/staff/team/{agent.id}/access",
                           data={"staff_role": str(role.id), "stores": [str(shops[0].id)]})
    assert response.status_code == 302
    team = client.get("/staff/team").get_data(as_text=True)
    assert "Store desk" in team and "Alpha shop" in team
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"roles.created", "team.custom_role_changed", "team.stores_changed"} <= actions


def test_role_forms_show_field_errors_never_a_500(app, client, login, manager):
    _role(manager, "Existing")
    login("maya@example.com")
    for data, message in (({"name": ""}, "Give the role a name."),
                          ({"name": "existing"}, "A role named existing already exists."),
                          ({"name": "Odd", "permissions": ["staff.manage"]}, "Choose permissions from the list."),
                          ({"name": "x" * 81}, "Keep the name under 80 characters.")):
        response = client.post("/staff/settings/roles", data=data)
        assert response.status_code == 400 and message in response.get_data(as_text=True), data
    agent = make_agent()
    for data in ({"staff_role": "999"}, {"staff_role": "abc"}, {"stores": ["999"]}, {"stores": ["x"]}):
        response = client.post(f"/staff/team/{agent.id}/access", data=data)
        assert response.status_code == 400, data
    assert client.get("/staff/settings/roles/999").status_code == 404
    assert client.get("/staff/team/999/access").status_code == 404


def test_non_managers_cannot_edit_roles(app, client, login, manager):
    role = _role(manager, "Existing")
    agent = make_agent(email="agent@example.com")
    make_user(Role.EDITOR, email="ed@example.com")
    for email in ("agent@example.com", "ed@example.com"):
        login(email)
        assert client.get("/staff/settings/roles").status_code == 404
        assert client.post("/staff/settings/roles", data={"name": "Mine"}).status_code == 404
        assert client.post(f"/staff/settings/roles/{role.id}/delete").status_code == 404
        assert client.post(f"/staff/team/{agent.id}/access", data={"staff_role": str(role.id)}).status_code == 404
        client.post("/logout")
    assert db.session.get(User, agent.id).staff_role is None


def test_role_forms_refuse_a_missing_csrf_token(make_app):
    browser = make_app(WTF_CSRF_ENABLED=True).test_client()
    for url in ("/staff/settings/roles", "/staff/settings/roles/1", "/staff/settings/roles/1/delete",
                "/staff/team/1/access"):
        assert browser.post(url, data={"name": "x"}).status_code == 400, url


def test_the_pages_are_in_french(app, client, login, manager):
    from tests.automation.catalogues import compile_catalogues

    compile_catalogues()
    manager.locale = "fr"
    db.session.commit()
    login("maya@example.com")
    page = client.get("/staff/settings/roles").get_data(as_text=True)
    assert "Nouveau rôle" in page and "Voir les paiements et remboursements" in page
    response = client.post("/staff/settings/roles", data={"name": ""})
    assert "Donnez un nom au rôle." in response.get_data(as_text=True)


@pytest.mark.sqlite_only
def test_a_store_limit_keeps_the_queue_on_its_index_ranges(app, manager, shops):
    from sqlalchemy import event

    from portal.api.v1 import ticket_list
    from portal.tickets import queries
    from tests.factories import make_group

    limited = {scope: make_agent(scope=scope) for scope in ("all", "groups", "assigned")}
    make_group(members=list(limited.values()))
    for agent in limited.values():
        _give(manager, agent, stores=[shops[0]])
    for n in range(4):
        make_ticket(subject=f"Alpha {n}", store_id=shops[0].id)
        make_ticket(subject=f"Beta {n}", store_id=shops[1].id)
    statements = []

    def listener(conn, cursor, statement, parameters, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM ticket" in statement:
            statements.append((statement, parameters))

    class Query:
        group = assignee = priority = channel = tag = requester = updated_since = cursor = status = ""
        order, limit = "-updated_at", 3

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for agent in limited.values():
            queries.view_counts(agent)
            for view in ("open", "mine", "groups", "unassigned"):
                for ticket in queries.queue_page(agent, view, queries.Filters(), per_page=3).tickets:
                    assert ticket.store_id in (None, shops[0].id)
            rows, _related, _cursor = ticket_list.page(agent, Query())
            assert all(row.subject.startswith("Alpha") for row in rows)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    with db.engine.connect() as conn:
        plans = [row[3] for statement, parameters in statements
                 for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    # Only the API's walk of every ticket in (updated_at, id) order, which stops at a page, reads an index whole.
    assert plans and not [p for p in plans if p.startswith("SCAN ticket") and "ix_ticket_updated" not in p]
