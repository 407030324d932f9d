"""/api/v1/customers and /api/v1/orders: search, show with tickets and orders, create and update records,
list and show orders; a guessed id is a 404 and a bad field a 422 that stores nothing."""
from sqlalchemy import func, select

from portal.channels import contacts
from portal.channels.models import Contact
from portal.extensions import db
from portal.tickets import services
from tests.api.conftest import error_of
from tests.factories import make_agent, make_order, make_store, make_ticket

READ = ("customers:read",)
WRITE = ("customers:read", "customers:write")


def test_search_customers_by_name_email_or_number(api, token, agent):
    carla = contacts.contact_for("email", "carla@example.com", name="Carla Diaz")
    contacts.add_identity(carla, "phone", "+33612345678")
    contacts.contact_for("email", "bob@example.com", name="Bob Stone")
    db.session.commit()
    secret = token(agent, *READ)
    for q in ("Carla", "carla@ex", "+336123", "Diaz"):
        found = api.get("/customers", token=secret, query_string={"q": q})
        assert [c["id"] for c in found.get_json()["data"]] == [carla.id], q
    everyone = api.get("/customers?limit=1", token=secret).get_json()
    assert len(everyone["data"]) == 1 and everyone["next_cursor"]
    rest = api.get(f"/customers?limit=1&cursor={everyone['next_cursor']}", token=secret).get_json()
    assert rest["data"][0]["id"] != everyone["data"][0]["id"]
    short = api.get("/customers?q=a", token=secret)
    assert short.status_code == 400 and error_of(short)["field"] == "q"


def test_show_a_customer_with_tickets_in_scope_and_orders(api, token, manager):
    ticket = make_ticket(email="dana@example.com", subject="Zip broken")
    other = make_ticket(email="dana@example.com", subject="Other")
    order = make_order(email="dana@example.com", number=5501, shipped=True)
    own = make_agent(scope="assigned")
    services.assign(ticket, own, actor=manager)
    db.session.commit()
    customer = contacts.find("email", "dana@example.com")
    full = api.get(f"/customers/{customer.id}", token=token(manager, *READ)).get_json()
    assert {t["number"] for t in full["tickets"]} == {ticket.number, other.number}
    assert full["orders"][0]["number"] == "5501" and full["orders"][0]["status"] == "shipped"
    assert full["orders"][0]["total"] == {"amount": "54.89", "currency": "EUR"}
    assert full["identities"] == [{"kind": "email", "value": "dana@example.com"}]
    scoped = api.get(f"/customers/{customer.id}", token=token(own, *READ)).get_json()
    assert [t["number"] for t in scoped["tickets"]] == [ticket.number]  # the agent's scope applies
    assert order.id in [o["id"] for o in scoped["orders"]]
    assert api.get("/customers/987654", token=token(manager, *READ)).status_code == 404


def test_a_merged_record_answers_with_the_kept_one(api, token, manager):
    kept = contacts.contact_for("email", "kept@example.com", name="Kept")
    gone = contacts.contact_for("email", "gone@example.com")
    contacts.merge(gone, kept, actor=manager)
    db.session.commit()
    response = api.get(f"/customers/{gone.id}", token=token(manager, *READ))
    assert response.status_code == 200 and response.get_json()["id"] == kept.id


def test_create_and_update_a_customer(api, token, agent):
    secret = token(agent, *WRITE)
    created = api.post("/customers", token=secret, json={
        "name": "Eve Martin", "identities": [{"kind": "email", "value": "Eve@Example.com"},
                                             {"kind": "phone", "value": "+33 6 12 34 56 79"}]})
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert created.headers["Location"] == f"/api/v1/customers/{data['id']}"
    assert data["identities"] == [{"kind": "email", "value": "eve@example.com"},
                                  {"kind": "phone", "value": "+33612345679"}]
    updated = api.patch(f"/customers/{data['id']}", token=secret, json={
        "name": "Eve Martin-Roy", "add_identities": [{"kind": "whatsapp", "value": "+33612345679"}]})
    assert updated.status_code == 200
    assert updated.get_json()["name"] == "Eve Martin-Roy" and len(updated.get_json()["identities"]) == 3


def test_customer_errors_store_nothing(api, token, agent):
    contacts.contact_for("email", "taken@example.com")
    db.session.commit()
    secret = token(agent, *WRITE)
    before = db.session.scalar(select(func.count(Contact.id)))
    taken = api.post("/customers", token=secret, json={"name": "X", "identities": [
        {"kind": "email", "value": "new@example.com"}, {"kind": "email", "value": "taken@example.com"}]})
    assert taken.status_code == 409 and error_of(taken)["field"] == "identities"
    bad = api.post("/customers", token=secret, json={"identities": [{"kind": "phone", "value": "12"}]})
    assert bad.status_code == 422 and error_of(bad)["field"] == "identities"
    unknown_kind = api.post("/customers", token=secret, json={"identities": [{"kind": "fax", "value": "1"}]})
    assert unknown_kind.status_code == 422 and error_of(unknown_kind)["field"] == "identities.0.kind"
    nothing = api.post("/customers", token=secret, json={})
    assert nothing.status_code == 422 and error_of(nothing)["field"] == "name"
    assert db.session.scalar(select(func.count(Contact.id))) == before
    assert api.patch("/customers/987654", token=secret, json={"name": "x"}).status_code == 404
    owner = contacts.find("email", "taken@example.com")
    other = api.post("/customers", token=secret, json={"name": "Other"}).get_json()
    stolen = api.patch(f"/customers/{other['id']}", token=secret,
                       json={"add_identities": [{"kind": "email", "value": "taken@example.com"}]})
    assert stolen.status_code == 422 and error_of(stolen)["field"] == "add_identities"
    assert contacts.find("email", "taken@example.com").id == owner.id


def test_list_and_filter_orders_newest_first(api, token, agent):
    store = make_store(name="Main shop")
    old = make_order(store=store, email="fay@example.com", number=7001)
    new = make_order(store=store, email="gus@example.com", number=7002, shipped=True)
    other_store = make_order(email="fay@example.com", number=7003)
    secret = token(agent, "orders:read")
    listed = api.get("/orders", token=secret).get_json()
    assert [o["id"] for o in listed["data"]] == [other_store.id, new.id, old.id]
    assert [o["id"] for o in api.get("/orders?email=FAY@example.com", token=secret).get_json()["data"]] == [
        other_store.id, old.id]
    assert [o["id"] for o in api.get(f"/orders?store={store.id}", token=secret).get_json()["data"]] == [
        new.id, old.id]
    assert [o["id"] for o in api.get("/orders?number=%237002", token=secret).get_json()["data"]] == [new.id]
    assert [o["id"] for o in api.get("/orders?q=gus@", token=secret).get_json()["data"]] == [new.id]
    fay = contacts.contact_for("email", "fay@example.com")
    db.session.commit()
    assert len(api.get(f"/orders?customer={fay.id}", token=secret).get_json()["data"]) == 2
    assert error_of(api.get("/orders?customer=987654", token=secret))["field"] == "customer"
    first = api.get("/orders?limit=2", token=secret).get_json()
    second = api.get(f"/orders?limit=2&cursor={first['next_cursor']}", token=secret).get_json()
    assert [o["id"] for o in first["data"] + second["data"]] == [other_store.id, new.id, old.id]
    assert second["next_cursor"] is None


def test_show_an_order(api, token, agent):
    order = make_order(number=8001, shipped=True)
    secret = token(agent, "orders:read")
    data = api.get(f"/orders/{order.id}", token=secret).get_json()
    assert data["number"] == "8001" and data["items"][0] == {
        "title": "Linen shirt", "sku": "LS-M", "variant": "M", "quantity": 1,
        "unit_price": {"amount": "49.90", "currency": "EUR"}}
    assert data["shipments"][0]["tracking_number"] == "6A123" and data["shipments"][0]["shipped_at"].endswith("Z")
    assert data["deleted"] is False and data["refunds"] == []
    assert api.get("/orders/987654", token=secret).status_code == 404
