"""The API's error body, {"error": {"code", "message", "field"}}, and how domain errors map onto it."""
from flask import jsonify

from portal.errors import Conflict, DomainError, NotFound, PermissionDenied, RateLimited, ValidationError

# Codes a client can branch on; the message is for people (in the Accept-Language of the request).
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 412: "precondition_failed", 413: "payload_too_large", 415: "unsupported_media_type",
         422: "validation_failed", 429: "rate_limited", 500: "internal_error"}


class ApiError(Exception):
    """An error answered as JSON with `status`; `headers` go on the response (WWW-Authenticate, Retry-After)."""

    def __init__(self, status: int, message: str, *, code: str | None = None, field: str | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, str(message), field
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}


def error_response(status: int, message: str, *, code: str | None = None, field: str | None = None,
                   headers: dict | None = None):
    """The JSON error response every API failure is answered with."""
    response = jsonify(error={"code": code or CODES.get(status, "error"), "message": str(message), "field": field})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_domain(exc: DomainError) -> ApiError:
    """A service's error as the API answers it: field errors are 422, a stale ticket 412."""
    from portal.tickets.services import StaleTicket

    if isinstance(exc, StaleTicket):
        return ApiError(412, exc.message, code="version_mismatch", field="If-Match",
                        headers={"ETag": f'"{exc.ticket.version}"'})
    if isinstance(exc, ValidationError):
        return ApiError(422, exc.message, field=exc.field)
    if isinstance(exc, NotFound):
        return ApiError(404, exc.message)
    if isinstance(exc, PermissionDenied):
        return ApiError(403, exc.message)
    if isinstance(exc, Conflict):
        return ApiError(409, exc.message, field=exc.field)
    if isinstance(exc, RateLimited):
        return ApiError(429, exc.message, headers={"Retry-After": "60"})
    return ApiError(exc.status if 400 <= exc.status < 500 else 422, exc.message, field=exc.field)
