"""The REST API (/api/v1) and the personal access tokens that call it.

Conventions, for anyone adding a resource (reports, webhooks…):

- **A module per resource** in portal/api/v1/ with its own `bp = Blueprint(...)`, added to
  `RESOURCES` in portal/api/v1/__init__.py (that exempts it from CSRF: calls carry a Bearer token, never
  the session cookie). Its JSON shapes are pydantic models in portal/api/schemas/<resource>.py: `Body`
  for request bodies (unknown fields refused, no type coercion), `Query` / `PageQuery` for query strings,
  `Out` for responses; dicts are built in portal/api/present.py or the resource module.
- **Every view is an `@operation(...)`** (portal/api/routing.py) naming its scope, operationId, tag,
  response model, body/query models and the extra errors it can answer (404, 409, 412). The decorator
  authenticates, rate-limits, checks the scope *and* the user's permission through
  portal/permissions.py, validates, applies Idempotency-Key on POST, commits once and turns errors into
  `{"error": {"code", "message", "field"}}`. The view gets a `Call` (token, user, query, body, if_match).
- **A new scope** is one line in `portal.permissions.API_SCOPES` (scope -> the permission its user must
  hold), plus its resource label in portal/api/forms.py for the settings page.
- **Views call the feature's services** (tickets.services, kb.services, forum.moderation, ...) with
  `actor=call.user`, never a second write path; reads filter by what the user may see (staff_filter for
  tickets). Something the user may not see is a 404, like a missing one.
- **Lists** answer `{"data": [...], "next_cursor": str | null}` with keyset pages (portal/api/pagination.py:
  `keyset(...)`), `limit` 1–100 (default 50), and `cursor` from the previous page.
- **Times** are ISO 8601 UTC with Z (`present.iso`); query times accept any ISO 8601 offset.
- **Status codes**: 200/201 (201 with Location), 400 malformed query/header/cursor/JSON, 401 token,
  403 scope or permission, 404, 409 state conflict (or an Idempotency-Key still running), 412 If-Match,
  413 body too large, 415 not JSON, 422 invalid field (`field` names it) or Idempotency-Key reused with
  another body, 429 with Retry-After. Never a 500 for bad input.
- **Tests** go in tests/api/ and use its `api` fixture: every response is validated against the
  OpenAPI document, so a new operation is documented correctly or its tests fail.
"""
