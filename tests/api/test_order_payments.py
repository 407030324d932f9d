"""/api/v1/orders hides payment state and refunds from a token whose user may not see payments, as the staff
order page does ("orders.payments"); every response is still the documented one."""
from datetime import datetime
from decimal import Decimal

import pytest

from portal.accounts import roles
from portal.channels import contacts
from portal.extensions import db
from portal.orders.data import RefundData
from tests.factories import make_agent, make_order


@pytest.fixture
def order(app):
    return make_order(number=9001, email="rita@example.com", financial_status="partially_refunded",
                      refunds=[RefundData(amount=Decimal("10.00"), created_at=datetime(2026, 11, 4, 9, 0),
                                          reason="Late parcel", external_id="r-1")])


def _with_role(manager, agent, *permissions):
    role = roles.create_role(actor=manager, name=f"Role {len(permissions)}", permissions=list(permissions))
    roles.set_member_access(actor=manager, user=agent, role_id=role.id, store_ids=[])
    db.session.commit()
    return agent


def test_an_agent_without_payments_gets_the_order_without_them(api, token, manager, order):
    agent = _with_role(manager, make_agent(email="desk@example.com"), "tickets.work", "api.use")
    secret = token(agent, "orders:read", "customers:read")
    data = api.get(f"/orders/{order.id}", token=secret).get_json()
    assert data["number"] == "9001" and data["total"] == {"amount": "54.89", "currency": "EUR"}
    assert data["items"][0]["title"] == "Linen shirt"
    assert data["financial_status"] is None and data["refunds"] is None
    listed = api.get("/orders?number=9001", token=secret).get_json()["data"]
    assert [(o["number"], o["financial_status"]) for o in listed] == [("9001", None)]
    searched = api.get("/orders?q=rita@example.com", token=secret).get_json()["data"]
    assert [o["financial_status"] for o in searched] == [None]
    contact = contacts.contact_for("email", "rita@example.com")
    db.session.commit()
    customer = api.get(f"/customers/{contact.id}", token=secret).get_json()
    assert [o["financial_status"] for o in customer["orders"]] == [None]


def test_an_agent_whose_role_holds_payments_sees_them(api, token, manager, order):
    agent = _with_role(manager, make_agent(email="billing@example.com"), "tickets.work", "api.use",
                       "orders.payments")
    data = api.get(f"/orders/{order.id}", token=token(agent, "orders:read")).get_json()
    assert data["financial_status"] == "partially_refunded"
    assert data["refunds"] == [{"amount": {"amount": "10.00", "currency": "EUR"}, "reason": "Late parcel",
                                "created_at": "2026-11-04T09:00:00Z"}]


def test_base_agents_and_managers_keep_seeing_payments(api, token, agent, manager, order):
    for user in (agent, manager):
        data = api.get(f"/orders/{order.id}", token=token(user, "orders:read")).get_json()
        assert data["financial_status"] == "partially_refunded" and len(data["refunds"]) == 1
