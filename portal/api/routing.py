"""One decorator, `operation`, runs every REST API call the same way and documents it:

token (401) -> rate limit (429) -> scope and permission (403) -> query string (400) -> If-Match (400) ->
JSON body (415, 413, 400, 422) -> Idempotency-Key (replay, 409, 422) -> the view, which calls the feature's
services -> one commit; any error rolls everything back and is answered as {"error": {...}}.
"""
import json
from dataclasses import dataclass, field
from functools import wraps

from flask import Response, current_app, g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from werkzeug.exceptions import HTTPException

from portal import permissions
from portal.api import auth, idempotency, openapi, services
from portal.api.errors import ApiError, error_response, from_domain
from portal.errors import DomainError
from portal.extensions import db


@dataclass
class Call:
    """What a view gets: the token and its user, the validated query and body, the If-Match version."""

    token: object
    user: object
    query: BaseModel | None = None
    body: BaseModel | None = None
    if_match: int | None = None
    headers: dict = field(default_factory=dict)  # added to the response (ETag, Location)

    def can(self, permission: str) -> bool:
        return permissions.can(self.user, permission)

    def sent(self, name: str) -> bool:
        """True when the body named this field (PATCH: absent means unchanged, null means cleared)."""
        return self.body is not None and name in self.body.model_fields_set


def operation(*, scope: str, operation_id: str, tag: str, response, status: int = 200, body=None, query=None,
              errors=(), if_match: bool = False, body_optional: bool = False, fields: dict | None = None):
    """Make `view(call, **url_args)` an API operation under `scope`; it returns a dict (or a Response).

    `fields` renames the services' field names (form fields) to the body's, e.g. {"assignee": "assignee_id"}."""
    assert scope in permissions.API_SCOPES, scope

    def decorate(view):
        @wraps(view)
        def handle(**kwargs):
            return _run(view, kwargs, scope=scope, status=status, body=body, query=query, if_match=if_match,
                        body_optional=body_optional, fields=fields or {})
        handle.takes_json = True  # portal.inputs lets JSON bodies through to this view
        # spectree reads the documentation from here and never runs it (see portal/api/openapi.py).
        handle.__wrapped__ = openapi.document(view, operation_id=operation_id, tag=tag, scope=scope,
                                              response=response, status=status, body=body, query=query,
                                              errors=tuple(errors) + ((412,) if if_match else ()))
        return handle
    return decorate


def _run(view, kwargs, *, scope, status, body, query, if_match, body_optional, fields):
    g.api_headers = {}
    key_row = None
    try:
        call = _prepare(scope, query=query, body=body, if_match=if_match, body_optional=body_optional)
        if request.method == "POST" and request.headers.get("Idempotency-Key") is not None:
            key = idempotency.check_key(request.headers["Idempotency-Key"])
            key_row = idempotency.begin(call.token, key, idempotency.fingerprint(
                request.method, request.path, request.get_data(cache=True)))
            if key_row.status_code is not None:
                return _finish(idempotency.replay(key_row))
        result = view(call, **kwargs)
        response = result if isinstance(result, Response) else jsonify(result)
        if not isinstance(result, Response):
            response.status_code = status
        for name, value in call.headers.items():
            response.headers[name] = value
        if key_row is not None:
            idempotency.complete(key_row, response)
        db.session.commit()
    except DomainError as exc:
        error = from_domain(exc)
        error.field = fields.get(error.field, error.field)
        response = _failed(error, key_row)
    except ApiError as exc:
        response = _failed(exc, key_row)
    except HTTPException as exc:  # a body over MAX_CONTENT_LENGTH, a disconnect while reading
        response = _failed(ApiError(exc.code or 400, exc.description), key_row)
    return _finish(response)


def _failed(exc: ApiError, key_row) -> Response:
    db.session.rollback()
    if key_row is not None and key_row.status_code is None:
        idempotency.release(key_row.id)
    return error_response(exc.status, exc.message, code=exc.code, field=exc.field, headers=exc.headers)


def _finish(response: Response) -> Response:
    for name, value in g.get("api_headers", {}).items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _prepare(scope, *, query, body, if_match, body_optional) -> Call:
    token = auth.authenticate()
    user = token.user
    g.api_headers = auth.count_call(user)
    services.note_use(token, auth.client_ip())
    _commit_keeping_loaded()  # the call counts (and the token's last use shows) even if what follows fails
    if not permissions.api_allows(user, token.scopes, scope):
        if scope not in (token.scopes or ()):
            raise ApiError(403, _("This token does not have the %(scope)s scope.", scope=scope),
                           code="insufficient_scope")
        raise ApiError(403, _("Your account may no longer do this (%(scope)s).", scope=scope))
    call = Call(token=token, user=user)
    call.query = _query(query) if query is not None else None
    call.if_match = _if_match() if if_match else None
    call.body = _body(body, optional=body_optional) if body is not None else _no_body()
    return call


def _commit_keeping_loaded() -> None:
    """Commit now (a short write: the rate-limit row), keeping the token and its user loaded for the call."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _query(model):
    args = {name: request.args.getlist(name) if _is_list(model, name) else request.args.get(name)
            for name in request.args}
    try:
        return model.model_validate(args)
    except PydanticError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"][:1]) or None
        raise ApiError(400, _("Query parameter %(name)s: %(problem)s", name=name, problem=error["msg"]),
                       code="invalid_parameter", field=name) from None


def _is_list(model, name: str) -> bool:
    info = model.model_fields.get(name)
    return info is not None and getattr(info.annotation, "__origin__", None) is list


def _if_match() -> int | None:
    """The ticket version of If-Match ("3", W/"3" or 3); None when absent or "*"."""
    value = (request.headers.get("If-Match") or "").strip()
    if not value or value == "*":
        return None
    number = value.removeprefix("W/").strip('"')
    if not number.isascii() or not number.isdigit() or len(number) > 18:
        raise ApiError(400, _('If-Match must be the ticket version from its ETag, such as "3".'),
                       code="invalid_header", field="If-Match")
    return int(number)


def _raw_body(optional: bool) -> bytes | None:
    length = request.content_length
    if length is not None and length > int(current_app.config["API_MAX_BODY_BYTES"]):
        raise ApiError(413, _("The body is larger than %(num)d bytes.", num=current_app.config["API_MAX_BODY_BYTES"]))
    raw = request.get_data(cache=True)
    if len(raw) > int(current_app.config["API_MAX_BODY_BYTES"]):
        raise ApiError(413, _("The body is larger than %(num)d bytes.", num=current_app.config["API_MAX_BODY_BYTES"]))
    if not raw.strip() and optional:
        return None
    if request.mimetype != "application/json":
        raise ApiError(415, _("Send a JSON body with Content-Type: application/json."))
    return raw


def _body(model, *, optional: bool):
    raw = _raw_body(optional)
    if raw is None:
        return model.model_validate({})
    try:
        return model.model_validate_json(raw)
    except PydanticError as exc:
        error = exc.errors()[0]
        if error["type"] == "json_invalid":
            raise ApiError(400, _("The body is not valid JSON."), code="invalid_json") from None
        if error["type"] in ("model_type", "model_attributes_type") and not error["loc"]:
            raise ApiError(422, _("The body must be a JSON object."), code="validation_failed") from None
        name = ".".join(str(part) for part in error["loc"]) or None
        raise ApiError(422, _describe(error), field=name) from None


def _describe(error: dict) -> str:
    if error["type"] == "missing":
        return _("This field is required.")
    if error["type"] == "extra_forbidden":
        return _("Unknown field.")
    return error["msg"]


def _no_body():
    """Operations that take no body refuse one that is not JSON (415); a JSON body is ignored."""
    if request.method in ("POST", "PATCH", "PUT") and request.get_data(cache=True).strip() \
            and request.mimetype != "application/json":
        raise ApiError(415, _("Send a JSON body with Content-Type: application/json."))
    return None


def reply(data, *, status: int, headers: dict | None = None) -> Response:
    """A JSON response with its own status (a view answering 200 or 201 as the case may be)."""
    response = Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
