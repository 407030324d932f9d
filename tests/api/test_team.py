"""/api/v1/users, /groups and /macros: the team as its members see it."""
from portal.accounts.models import Role
from portal.extensions import db
from portal.tickets import macros
from tests.api.conftest import error_of
from tests.factories import make_group, make_user


def test_users_me_and_the_staff(api, token, manager, agent):
    group = make_group("Shipping", members=[agent])
    customer = make_user(Role.CUSTOMER, email="cust@example.com")
    secret = token(agent, "users:read")
    me = api.get("/users/me", token=secret).get_json()
    assert me["email"] == "alex@example.com" and me["role"] == "agent"
    assert me["groups"] == [{"id": group.id, "name": "Shipping"}]
    staff = api.get("/users", token=secret).get_json()["data"]
    assert [u["email"] for u in staff] == ["maya@example.com", "alex@example.com"]
    first = api.get("/users?limit=1", token=secret).get_json()
    assert [u["email"] for u in first["data"]] == ["maya@example.com"] and first["next_cursor"]
    second = api.get(f"/users?limit=1&cursor={first['next_cursor']}", token=secret).get_json()
    assert [u["email"] for u in second["data"]] == ["alex@example.com"]
    customers = api.get("/users?role=customer", token=secret).get_json()["data"]
    assert [u["email"] for u in customers] == ["cust@example.com"]
    assert api.get(f"/users/{customer.id}", token=secret).status_code == 200
    editor = token(make_user(Role.EDITOR), "users:read")
    assert api.get(f"/users/{customer.id}", token=editor).status_code == 404  # editors do not see customers
    refused = api.get("/users?role=customer", token=editor)
    assert refused.status_code == 403 and error_of(refused)["field"] == "role"
    assert api.get(f"/users/{manager.id}", token=editor).get_json()["role"] == "manager"
    assert api.get("/users/987654", token=secret).status_code == 404


def test_groups_with_members(api, token, agent):
    group = make_group("Returns", members=[agent])
    secret = token(agent, "groups:read")
    listed = api.get("/groups", token=secret).get_json()["data"]
    assert listed == [{"id": group.id, "name": "Returns", "assign_mode": "none",
                       "members": [{"id": agent.id, "name": "Alex Agent", "email": "alex@example.com"}]}]
    assert api.get(f"/groups/{group.id}", token=secret).get_json()["name"] == "Returns"
    assert api.get("/groups/987654", token=secret).status_code == 404


def test_macros_shared_and_own_only(api, token, manager, agent):
    group = make_group("Billing")
    shared = macros.save_macro(actor=manager, title="Refund sent", body="Hi {{ customer.first_name }}",
                               shared=True, set_status="solved", set_group_id=str(group.id), add_tags=["refund"])
    own = macros.save_macro(actor=agent, title="My greeting", body="Hello!", shared=False)
    private = macros.save_macro(actor=manager, title="Manager's own", body="...", shared=False)
    db.session.commit()
    secret = token(agent, "macros:read")
    listed = api.get("/macros", token=secret).get_json()["data"]
    assert [m["title"] for m in listed] == ["My greeting", "Refund sent"]
    refund = next(m for m in listed if m["id"] == shared.id)
    assert refund["shared"] is True and refund["set_status"] == "solved" and refund["add_tags"] == ["refund"]
    assert refund["set_group"] == {"id": group.id, "name": "Billing"}
    assert api.get(f"/macros/{own.id}", token=secret).get_json()["shared"] is False
    assert api.get(f"/macros/{private.id}", token=secret).status_code == 404
