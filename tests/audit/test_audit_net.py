"""The audit net under the desk: changes made through /staff/, looks at customer records and orders, exports."""
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.factories import make_agent, make_order, make_ticket, make_user


def _events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_settings_change_is_recorded_with_its_fields_but_not_their_values(app, client, login):
    manager = make_user(role=Role.MANAGER, email="mona@example.com")
    login(manager.email)

    response = client.post("/staff/groups", data={"name": "Returns desk"})

    assert response.status_code == 302
    [event] = _events("staff.changed")
    assert event.actor_email == "mona@example.com" and event.target_label == "/staff/groups"
    assert event.details == {"endpoint": "desk_admin.groups", "method": "POST", "status": 302, "fields": ["name"]}
    assert "Returns desk" not in str(event.details)


def test_a_form_shown_again_with_errors_and_ticket_work_are_not_recorded(app, client, login):
    manager = make_user(role=Role.MANAGER)
    ticket = make_ticket(subject="Lost parcel")
    login(manager.email)

    assert client.post("/staff/groups", data={"name": ""}).status_code in (200, 400)
    client.post(f"/staff/tickets/{ticket.number}/take")

    assert _events("staff.changed") == []


def test_looking_at_a_customers_order_is_recorded(app, client, login):
    agent = make_agent(email="alex@example.com")
    order = make_order(email="lea@example.com")
    login(agent.email)

    assert client.get(f"/staff/orders/{order.id}").status_code == 200

    [event] = _events("customer_data.viewed")
    assert event.actor_email == "alex@example.com" and event.target_label == f"/staff/orders/{order.id}"
    assert client.get(f"/staff/orders/{order.id + 999}").status_code == 404
    assert len(_events("customer_data.viewed")) == 1  # a page that was not shown is not a look


def test_customers_browsing_the_portal_are_not_staff_actions(app, client, login):
    customer = make_user(email="rose@example.com")
    login(customer.email)
    client.post("/portal/settings", data={"name": "Rose"})
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.actor_email == "rose@example.com",
                                                       AuditEvent.action.like("staff.%"))).all() == []
