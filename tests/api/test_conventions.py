"""The conventions every operation shares: JSON bodies (415, 400, 413, 422), Idempotency-Key on POST,
errors as {"error": {...}}, the OpenAPI 3.1 document and its reference page."""
import re

from sqlalchemy import func, select

from portal.api.models import IdempotencyKey
from portal.extensions import db
from portal.tickets.models import Ticket
from tests.api.conftest import error_of, validating_client
from tests.factories import make_ticket

NEW = {"subject": "Damaged box", "body": "The box was crushed.", "requester": {"email": "ida@example.com"}}


def tickets_count() -> int:
    return db.session.scalar(select(func.count(Ticket.id)))


def test_the_same_key_and_body_get_the_stored_answer_once(api, token, manager):
    secret = token(manager, "tickets:write")
    first = api.post("/tickets", token=secret, json=NEW, headers={"Idempotency-Key": "order-5501-damaged"})
    again = api.post("/tickets", token=secret, json={"requester": {"email": "ida@example.com"},
                                                      "body": "The box was crushed.", "subject": "Damaged box"},
                     headers={"Idempotency-Key": "order-5501-damaged"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert tickets_count() == 1


def test_the_same_key_with_another_body_or_endpoint_is_422(api, token, manager):
    secret = token(manager, "tickets:write")
    ticket = make_ticket()
    assert api.post("/tickets", token=secret, json=NEW, headers={"Idempotency-Key": "k1"}).status_code == 201
    changed = api.post("/tickets", token=secret, json={**NEW, "subject": "Other"}, headers={"Idempotency-Key": "k1"})
    elsewhere = api.post(f"/tickets/{ticket.number}/notes", token=secret, json={"body": "x"},
                         headers={"Idempotency-Key": "k1"})
    for response in (changed, elsewhere):
        assert response.status_code == 422
        assert error_of(response)["code"] == "idempotency_key_reused"
        assert error_of(response)["field"] == "Idempotency-Key"
    assert tickets_count() == 2 and db.session.get(Ticket, ticket.id).message_count == 1


def test_a_failed_request_keeps_no_key_so_the_fixed_one_goes_through(api, token, manager):
    secret = token(manager, "tickets:write")
    broken = api.post("/tickets", token=secret, json={**NEW, "subject": ""}, headers={"Idempotency-Key": "k2"})
    assert broken.status_code == 422
    fixed = api.post("/tickets", token=secret, json=NEW, headers={"Idempotency-Key": "k2"})
    assert fixed.status_code == 201 and tickets_count() == 1


def test_keys_belong_to_one_token_and_last_24_hours(api, token, manager, clock):
    one, two = token(manager, "tickets:write"), token(manager, "tickets:write")
    assert api.post("/tickets", token=one, json=NEW, headers={"Idempotency-Key": "k3"}).status_code == 201
    assert api.post("/tickets", token=two, json=NEW, headers={"Idempotency-Key": "k3"}).status_code == 201
    clock.advance(hours=25)
    later = api.post("/tickets", token=one, json=NEW, headers={"Idempotency-Key": "k3"})
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert tickets_count() == 3


def test_a_key_still_running_is_409(api, token, manager):
    from portal.api import idempotency, services

    secret = token(manager, "tickets:write")
    import json

    running = idempotency.fingerprint("POST", "/api/v1/tickets", json.dumps(NEW).encode())
    db.session.add(IdempotencyKey(token_id=services.token_for_secret(secret).id, key="k4", fingerprint=running))
    db.session.commit()
    response = api.post("/tickets", token=secret, json=NEW, headers={"Idempotency-Key": "k4"})
    assert response.status_code == 409 and error_of(response)["code"] == "idempotency_in_progress"
    assert tickets_count() == 0


def test_a_bad_idempotency_key_is_400(api, token, manager):
    secret = token(manager, "tickets:write")
    response = api.post("/tickets", token=secret, json=NEW, headers={"Idempotency-Key": "x" * 256})
    assert response.status_code == 400 and error_of(response)["field"] == "Idempotency-Key"
    assert tickets_count() == 0


def test_a_body_that_is_not_json_is_415(api, token, manager):
    secret = token(manager, "tickets:write")
    form = api.post("/tickets", token=secret, data={"subject": "x"})
    text = api.post("/tickets", token=secret, data="subject=x", headers={"Content-Type": "text/plain"})
    for response in (form, text):
        assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    assert tickets_count() == 0


def test_broken_json_is_400_and_a_non_object_422(api, token, manager):
    secret = token(manager, "tickets:write")
    broken = api.post("/tickets", token=secret, data='{"subject": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and error_of(broken)["code"] == "invalid_json"
    listed = api.post("/tickets", token=secret, json=["a", "b"])
    assert listed.status_code == 422 and error_of(listed)["message"] == "The body must be a JSON object."
    wrong_type = api.post("/tickets", token=secret, json={**NEW, "tags": "vip"})
    assert wrong_type.status_code == 422 and error_of(wrong_type)["field"] == "tags"
    assert tickets_count() == 0


def test_a_body_too_large_is_413(make_app):
    from portal.accounts.models import Role
    from portal.api import services
    from tests.factories import make_user

    app = make_app(API_MAX_BODY_BYTES=1000)
    with app.app_context():
        _token, secret = services.create_token(user=make_user(Role.MANAGER), name="x", scopes=["tickets:write"])
        db.session.commit()
        response = validating_client(app).post("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"},
                                          json={**NEW, "body": "x" * 2000})
        assert response.status_code == 413 and response.get_json()["error"]["code"] == "payload_too_large"
        assert tickets_count() == 0
        db.session.remove()
        db.engine.dispose()


def test_unknown_addresses_and_methods_answer_the_error_body(api, token, manager):
    secret = token(manager, "tickets:read")
    missing = api.get("/no-such-thing", token=secret)
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong_method = api.delete("/tickets", token=secret)
    assert wrong_method.status_code == 405 and error_of(wrong_method)["code"] == "method_not_allowed"


def test_errors_follow_accept_language(api, token, manager):
    secret = token(manager, "tickets:read")
    response = api.get("/tickets?cursor=nope", token=secret, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert error_of(response)["message"] == ("Ce curseur n'est pas valide. Utilisez le next_cursor de la page "
                                             "précédente.")
    missing = api.get("/tickets/999999", token=secret, headers={"Accept-Language": "fr"})
    assert error_of(missing)["message"] == "Nous n'avons pas trouvé cette demande."


def test_times_are_utc_with_z(api, token, manager):
    make_ticket()
    body = api.get("/tickets", token=token(manager, "tickets:read")).get_data(as_text=True)
    stamps = re.findall(r'"(?:created|updated)_at": ?"([^"]+)"', body)
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in stamps)


def test_the_openapi_document_is_3_1_and_lists_every_operation(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)  # a valid OpenAPI 3.1 document
    assert document["openapi"].startswith("3.1")
    operations = {op["operationId"]: op for item in document["paths"].values() for op in item.values()}
    assert {"listTickets", "createTicket", "updateTicket", "replyToTicket", "addTicketNote", "mergeTicket",
            "listCustomers", "getCustomer", "createCustomer", "updateCustomer", "listOrders", "getOrder",
            "createArticle", "publishArticle", "searchHelpCenter", "hideQuestion", "lockQuestion", "listMacros",
            "listGroups", "listUsers"} <= set(operations)
    assert operations["updateTicket"]["security"] == [{"token": ["tickets:write"]}]
    assert {"400", "401", "403", "404", "412", "413", "415", "422", "429"} <= set(
        operations["updateTicket"]["responses"])
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer", "description": "A personal access token, `cpt_…`."}


def test_api_model_names_are_unique():
    """Schemas are named after their class in the document: two classes of one name would overwrite."""
    import inspect

    from pydantic import BaseModel

    from portal.api.schemas import content, customers, team, tickets

    seen = {}
    for module in (content, customers, team, tickets):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                assert name not in seen, f"{name} in {module.__name__} and {seen[name]}"
                seen[name] = module.__name__


def test_the_reference_page_needs_no_script_and_no_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "listTickets" in html and "POST /api/v1/tickets/{number}/replies" in html and "TicketDetail" in html
    assert "<script>" not in html and "cdn" not in html.lower()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert all(src.startswith("/static/") for src in scripts)
