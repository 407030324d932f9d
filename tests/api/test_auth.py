"""Who may call: Bearer tokens only (never the session cookie), 401 for a missing, unknown, revoked or
expired token, 403 for a missing scope or a permission the user no longer has, rate limits with headers."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.accounts.services import change_role
from portal.api import services
from portal.api.models import ApiToken
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import Ticket
from tests.api.conftest import error_of, validating_client
from tests.factories import PASSWORD, make_ticket, make_user


def test_no_token_is_401_with_a_challenge(api):
    response = api.get("/tickets")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response) == {"code": "unauthorized", "field": None,
                                  "message": "Send your API token as: Authorization: Bearer <token>."}


@pytest.mark.parametrize("header", ["Bearer cpt_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "cpt_x",
                                    "Bearer " + "cpt_" + "x" * 200])
def test_an_unknown_or_malformed_token_is_401(api, header):
    response = api.get("/tickets", headers={"Authorization": header})
    assert response.status_code == 401 and error_of(response)["code"] in ("unauthorized", "invalid_token")


def test_revoked_expired_and_inactive_tokens_are_401(api, token, manager, clock):
    revoked, expiring, inactive = (token(manager, "tickets:read"),
                                   token(manager, "tickets:read", expires_at=utcnow() + timedelta(days=1)),
                                   token(make_user(Role.AGENT), "tickets:read"))
    assert api.get("/tickets", token=revoked).status_code == 200
    services.revoke_token(services.token_for_secret(revoked))
    owner = services.token_for_secret(inactive).user
    owner.active = False
    db.session.commit()
    clock.advance(days=2)
    for secret in (revoked, expiring, inactive):
        response = api.get("/tickets", token=secret)
        assert response.status_code == 401 and error_of(response)["code"] == "invalid_token"
        assert error_of(response)["message"] == "This API token is unknown, revoked or expired."


def test_the_secret_is_stored_only_as_its_sha256(token, manager):
    import hashlib

    secret = token(manager, "tickets:read")
    stored = db.session.scalars(select(ApiToken)).one()
    assert secret.startswith("cpt_") and len(secret) >= 40
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {str(getattr(stored, c.name)) for c in ApiToken.__table__.columns}
    assert stored.prefix == secret[:12]


def test_a_missing_scope_is_403_and_changes_nothing(api, token, manager):
    ticket = make_ticket()
    reader = token(manager, "tickets:read")
    response = api.patch(f"/tickets/{ticket.number}", token=reader, json={"priority": "urgent"})
    assert response.status_code == 403 and error_of(response) == {
        "code": "insufficient_scope", "field": None, "message": "This token does not have the tickets:write scope."}
    assert db.session.get(Ticket, ticket.id).priority.value == "normal"
    assert api.get("/orders", token=reader).status_code == 403


def test_a_token_never_does_more_than_its_user_today(api, token, manager):
    agent = make_user(Role.AGENT, email="demoted@example.com")
    secret = token(agent, "tickets:read", "tickets:write")
    assert api.get("/tickets", token=secret).status_code == 200
    change_role(actor=manager, user=agent, role=Role.EDITOR)
    db.session.commit()
    response = api.get("/tickets", token=secret)
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    change_role(actor=manager, user=agent, role=Role.CUSTOMER)
    db.session.commit()
    assert api.get("/tickets", token=secret).status_code == 403


def test_the_session_cookie_is_never_a_credential(client, api, login, manager):
    """A logged-in browser (or a page on another site riding its cookie) cannot use the API: no CSRF hole."""
    user = make_user(Role.MANAGER, email="browser@example.com")
    ticket = make_ticket()
    login(user.email, PASSWORD)
    assert api.get("/tickets").status_code == 401
    response = api.patch(f"/tickets/{ticket.number}", json={"priority": "urgent"})
    assert response.status_code == 401
    forged = client.post(f"/api/v1/tickets/{ticket.number}/notes", data={"body": "x"})
    assert forged.status_code == 401
    assert db.session.get(Ticket, ticket.id).priority.value == "normal"
    assert db.session.get(Ticket, ticket.id).message_count == 1


def test_api_calls_need_no_csrf_token_even_with_csrf_on(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        manager = make_user(Role.MANAGER)
        _token, secret = services.create_token(user=manager, name="CI", scopes=["tickets:write"])
        db.session.commit()
        response = validating_client(app).post("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"},
                                          json={"subject": "From CI", "body": "Build broke.",
                                                "requester": {"email": "ci@example.com"}})
        assert response.status_code == 201, response.get_json()
        db.session.remove()
        db.engine.dispose()


def test_rate_limit_headers_then_429_with_retry_after(make_app):
    app = make_app(API_RATE_PER_MINUTE=3)
    with app.app_context():
        client = validating_client(app)
        manager = make_user(Role.MANAGER)
        secrets = [services.create_token(user=manager, name=name, scopes=[scope])[1]
                   for name, scope in (("x", "tickets:read"), ("y", "users:read"))]
        headers, other = ({"Authorization": f"Bearer {secret}"} for secret in secrets)
        db.session.commit()
        remaining = []
        for _ in range(3):
            response = client.get("/api/v1/tickets", headers=headers)
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Limit"] == "3"
            assert int(response.headers["X-RateLimit-Reset"]) > utcnow().timestamp() - 3600 * 24
            remaining.append(response.headers["X-RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        refused = client.get("/api/v1/users/me", headers=other)  # the limit is the user's, not the token's
        assert refused.status_code == 429 and error_of(refused)["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60 and refused.headers["X-RateLimit-Remaining"] == "0"
        db.session.remove()
        db.engine.dispose()


def test_too_many_bad_tokens_from_one_client_is_429(make_app):
    app = make_app(API_AUTH_FAILURES_PER_MINUTE=2)
    client = validating_client(app)
    codes = [client.get("/api/v1/tickets", headers={"Authorization": "Bearer cpt_guess"}).status_code
             for _ in range(3)]
    assert codes == [401, 401, 429]
    with app.app_context():
        db.engine.dispose()


def test_the_last_use_is_remembered(api, token, manager):
    secret = token(manager, "users:read")
    assert services.token_for_secret(secret).last_used_at is None
    assert api.get("/users/me", token=secret).status_code == 200
    used = services.token_for_secret(secret)
    assert used.last_used_at is not None and used.last_used_ip == "127.0.0.1"


def every_operation(client):
    """(method, url, scope) of every operation of the OpenAPI document, path ids filled with 1."""
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            url = re.sub(r"\{[^}]+\}", "1", path)
            yield method.upper(), url, operation["security"][0]["token"][0]


def test_every_operation_refuses_a_missing_token_and_a_missing_scope(client, token, manager, clock):
    outsider, for_users = token(manager, "users:read"), token(manager, "groups:read")
    for method, url, scope in every_operation(client):
        assert client.open(url, method=method, json={}).status_code == 401, (method, url)
        secret = for_users if scope.startswith("users:") else outsider
        refused = client.open(url, method=method, json={}, headers={"Authorization": f"Bearer {secret}"})
        assert refused.status_code == 403 and error_of(refused)["code"] == "insufficient_scope", (method, url)
        clock.advance(seconds=61)  # stay under the per-client limit of calls without a valid token
