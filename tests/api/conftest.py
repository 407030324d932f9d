"""API test fixtures: every response from /api/v1 is checked against the OpenAPI document (openapi-core),
so the document, the models and what the views answer cannot drift apart.

`api` is a client of the REST API: api.get("/tickets", token=secret) sends `Authorization: Bearer`,
prefixes /api/v1 and returns the response after validating it. `token(user, *scopes)` mints a token.
"""
import json

import jsonschema
import pytest
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

from portal.accounts.models import Role
from portal.extensions import db
from tests.factories import make_agent, make_user

PREFIX = "/api/v1"
UNDOCUMENTED = (f"{PREFIX}/openapi.json", f"{PREFIX}/docs")
_openapi = None
_document: dict = {}


def openapi(app) -> OpenAPI:
    """The API's OpenAPI document, loaded (and checked as valid OpenAPI 3.1) once per test process."""
    global _openapi
    if _openapi is None:
        from portal.api.openapi import openapi_document

        with app.test_request_context():
            _document.update(json.loads(json.dumps(openapi_document())))
        _openapi = OpenAPI.from_dict(_document)
    return _openapi


def check_against_schema(app, response) -> None:
    """Fail unless `response` is one the OpenAPI document describes (status, body, headers)."""
    request = response.request
    if not request.path.startswith(PREFIX + "/") or request.path in UNDOCUMENTED:
        return
    spec = openapi(app)
    try:
        spec.validate_response(WerkzeugOpenAPIRequest(_without_body(request)), WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # An address or method the API does not have: still our JSON error body.
        assert response.status_code in (404, 405), (request.method, request.path, response.status_code)
        schemas = json.loads(json.dumps(_document["components"]["schemas"]).replace("#/components/schemas/",
                                                                                      "#/$defs/"))
        jsonschema.validate(response.get_json(), {**schemas["Error"], "$defs": schemas})


def _without_body(request):
    """The request's method, URL and headers (its body was read by the app: the response check needs none)."""
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in ("content-length", "content-type")]
    return EnvironBuilder(path=request.path, base_url=request.host_url, method=request.method,
                          query_string=request.query_string.decode(), headers=headers).get_request()


class ValidatingClient(FlaskClient):
    """The test client, checking every API response against the OpenAPI document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        check_against_schema(self.application, response)
        return response


def validating_client(app) -> ValidatingClient:
    """A test client of `app` (e.g. one built with make_app) that checks every API response too."""
    app.test_client_class = ValidatingClient
    return app.test_client()


@pytest.fixture
def client(app):
    return validating_client(app)


class Api:
    """Calls /api/v1 as a token would; each call returns the (validated) response."""

    def __init__(self, client):
        self.client = client

    def call(self, method, path, *, token=None, json=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(PREFIX + path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.call("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.call("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def token(app):
    """token(user, "tickets:read", ...) -> the secret of a new token of `user` with these scopes."""
    from portal.api import services

    def mint(user, *scopes, **options):
        _token, secret = services.create_token(user=user, name=options.pop("name", "Test tool"),
                                               scopes=scopes, **options)
        db.session.commit()
        return secret
    return mint


@pytest.fixture
def manager(app):
    return make_user(Role.MANAGER, name="Maya Manager", email="maya@example.com")


@pytest.fixture
def agent(app):
    return make_agent(scope="all", name="Alex Agent", email="alex@example.com")


def error_of(response) -> dict:
    """The `error` object of an API error response."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]
