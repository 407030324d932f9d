"""What every channel webhook does the same way: unknown account -> 404, oversize -> 413, bad or missing
signature -> 401, malformed body -> 400, each a JSON reason with nothing stored; success commits once.
The provider-specific part (the signature, the payload) is the handler passed to `run`."""
import hmac
import json

from flask import current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from portal.channels.models import ChannelAccount
from portal.extensions import db


class Rejected(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def account_for(account_id: int, kinds) -> ChannelAccount:
    account = db.session.get(ChannelAccount, account_id)
    if account is None or account.kind not in ((kinds,) if isinstance(kinds, str) else kinds) or not account.enabled:
        raise Rejected(404, "unknown_channel", "no such channel")
    return account


def raw_body() -> bytes:
    """The body exactly as sent (signatures are over these bytes), refused above CHANNEL_WEBHOOK_MAX_BYTES."""
    limit = current_app.config["CHANNEL_WEBHOOK_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        raise Rejected(413, "too_large", f"body larger than {limit} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise Rejected(413, "too_large", f"body larger than {limit} bytes")
    return raw


def json_body(raw: bytes) -> dict:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Rejected(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Rejected(400, "bad_json", "the body must be a JSON object")
    return data


def same(expected: str | bytes, given: str | bytes | None) -> bool:
    """Constant-time comparison over bytes (a missing value never matches)."""
    if not given or not expected:
        return False
    a = expected.encode() if isinstance(expected, str) else expected
    b = given.encode("utf-8", "replace") if isinstance(given, str) else given
    return hmac.compare_digest(a, b)


def public_url() -> str:
    """The URL the provider called, as it saw it: CHANNELS_PUBLIC_URL (behind a proxy) + path and query."""
    base = current_app.config.get("CHANNELS_PUBLIC_URL")
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def run(handler):
    """Call `handler()` (which returns a JSON-able dict or a Response); map Rejected to its answer, commit once.

    A concurrent delivery of the same provider id loses the unique race: nothing of it is kept and it
    answers 503, so a provider that batched other new events in the same POST sends them again (those
    already stored are then skipped as duplicates) — nothing is lost either way.
    """
    try:
        result = handler()
    except Rejected as exc:
        db.session.rollback()
        return jsonify(error={"code": exc.code, "message": exc.message}), exc.status
    except IntegrityError:
        db.session.rollback()
        response = jsonify(error={"code": "busy", "message": "a copy of this delivery is being stored; retry"})
        response.headers["Retry-After"] = "5"
        return response, 503
    db.session.commit()
    if isinstance(result, dict):
        return jsonify(result), 200
    return result
