"""`Idempotency-Key` on POST: the same key and body within 24 hours get the stored response again.

A key is kept only by a request that succeeded: one that failed (4xx) leaves nothing, so the client may
fix the body and send it again under the same key. A key sent again with another body (or to another
endpoint) is refused with 422; while its first request is still running, with 409.
"""
import hashlib
import json
from datetime import timedelta

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.api.errors import ApiError
from portal.api.models import IdempotencyKey
from portal.extensions import db
from portal.models_base import utcnow

KEEP = timedelta(hours=24)
ABANDONED = timedelta(minutes=5)  # a first request this old without a response died: the key may be used again
KEPT_HEADERS = ("Location", "ETag")
MAX_KEY = 255


def check_key(value: str) -> str:
    """The header's value when it is 1 to 255 printable ASCII characters, else ApiError 400."""
    value = value.strip()
    if not value or len(value) > MAX_KEY or not value.isascii() or not value.isprintable():
        raise ApiError(400, _("Idempotency-Key must be 1 to %(num)d printable ASCII characters.", num=MAX_KEY),
                       field="Idempotency-Key")
    return value


def fingerprint(method: str, path: str, raw_body: bytes) -> str:
    """What makes two requests the same: method, path and the JSON body (key order and spacing aside)."""
    try:
        body = json.dumps(json.loads(raw_body), sort_keys=True, separators=(",", ":")) if raw_body.strip() else ""
    except (ValueError, UnicodeDecodeError):
        body = raw_body.decode("utf-8", "replace")
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def begin(token, key: str, print_: str) -> IdempotencyKey:
    """The key's row: a stored response to replay (status_code set), or a new one claimed for this request
    and committed, so that a concurrent retry sees it. ApiError 422 or 409 as described above."""
    now = utcnow()
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.token_id == token.id,
                                                          IdempotencyKey.key == key))
    if row is not None and row.created_at < now - KEEP:
        db.session.delete(row)
        db.session.flush()
        row = None
    if row is not None:
        if row.fingerprint != print_:
            raise ApiError(422, _("This Idempotency-Key was already used with another request. Use a new key "
                                  "for a new request."), code="idempotency_key_reused", field="Idempotency-Key")
        if row.status_code is not None:
            return row
        if row.created_at > now - ABANDONED:
            raise ApiError(409, _("A request with this Idempotency-Key is still being processed. Try again "
                                  "in a moment."), code="idempotency_in_progress", field="Idempotency-Key")
        row.created_at = now
    else:
        row = IdempotencyKey(token_id=token.id, key=key, fingerprint=print_, created_at=now)
        db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same key arrived twice at once: the other request has it
        db.session.rollback()
        raise ApiError(409, _("A request with this Idempotency-Key is still being processed. Try again "
                              "in a moment."), code="idempotency_in_progress", field="Idempotency-Key") from None
    return row


def replay(row: IdempotencyKey) -> Response:
    """The stored response, marked as a replay."""
    response = Response(row.response_body, status=row.status_code, mimetype="application/json")
    for name, value in (row.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def complete(row: IdempotencyKey, response: Response) -> None:
    """Keep the response of a request that succeeded, in the same transaction as its changes."""
    row.status_code = response.status_code
    row.response_body = response.get_data(as_text=True)
    row.response_headers = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}


def release(row_id: int) -> None:
    """Give the key back after a failed request (its changes were rolled back)."""
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == row_id,
                                                    IdempotencyKey.status_code.is_(None)))
    db.session.commit()


def purge() -> int:
    """Delete keys older than 24 hours (nightly); returns how many went."""
    return db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEEP)).rowcount
