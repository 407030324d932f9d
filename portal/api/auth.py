"""Who is calling: the Bearer token of the request (never a session cookie), and the per-user rate limit."""
import math
from datetime import timedelta

from flask import current_app, request
from flask_babel import gettext as _

from portal import ratelimit
from portal.api import services
from portal.api.errors import ApiError
from portal.extensions import db
from portal.models_base import utcnow

WINDOW_SECONDS = 60
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}


def client_ip() -> str:
    return request.remote_addr or "unknown"


def bearer_secret() -> str | None:
    """The token of `Authorization: Bearer <token>`, or None."""
    scheme, _sep, value = (request.headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def authenticate():
    """The live token of the request, else ApiError 401 (429 once a client has failed too often).

    Session cookies are not looked at: a browser on another site can send them, not this header.
    """
    secret = bearer_secret()
    token = services.token_for_secret(secret)
    if token is not None:
        return token
    message = (_("Send your API token as: Authorization: Bearer <token>.") if secret is None
               else _("This API token is unknown, revoked or expired."))
    limit = int(current_app.config["API_AUTH_FAILURES_PER_MINUTE"])
    allowed = ratelimit.allow([("api.auth_failure", client_ip(), limit)], window_seconds=WINDOW_SECONDS)
    db.session.commit()
    if not allowed:
        raise ApiError(429, _("Too many calls without a valid token. Please wait a minute."),
                       headers={"Retry-After": str(WINDOW_SECONDS)})
    raise ApiError(401, message, code="unauthorized" if secret is None else "invalid_token", headers=CHALLENGE)


def count_call(user) -> dict:
    """Count one call of `user` (all their tokens share the limit); the X-RateLimit-* headers, or ApiError 429."""
    limit = int(current_app.config["API_RATE_PER_MINUTE"])
    key = f"user:{user.id}"
    used, oldest = ratelimit.usage("api", key, window_seconds=WINDOW_SECONDS)
    now = utcnow()
    reset_at = (oldest or now) + timedelta(seconds=WINDOW_SECONDS)
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Reset": str(math.ceil(_epoch(reset_at)))}
    if used >= limit:
        wait = max(1, math.ceil((reset_at - now).total_seconds()))
        raise ApiError(429, _("Too many API calls. Please wait %(num)d seconds.", num=wait),
                       headers={**headers, "X-RateLimit-Remaining": "0", "Retry-After": str(wait)})
    db.session.add(ratelimit.RateEvent(kind="api", key=key, created_at=now))
    headers["X-RateLimit-Remaining"] = str(limit - used - 1)
    return headers


def _epoch(moment) -> float:
    from datetime import timezone

    return moment.replace(tzinfo=timezone.utc).timestamp()
