"""Signed, expiring links sent by mail (itsdangerous, one salt per purpose) and one-time secrets."""
import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

PURPOSES = ("verify-email", "reset-password", "change-email", "login-device")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"comptoir.accounts.{purpose}")


def make_token(purpose: str, data: dict) -> str:
    """Sign `data` for `purpose`; it can be read back for TOKEN_MAX_AGE_SECONDS."""
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, *, max_age: int | None = None) -> dict | None:
    """The data signed into `token`, or None when it is forged, for another purpose or expired."""
    try:
        data = _serializer(purpose).loads(token, max_age=max_age or current_app.config["TOKEN_MAX_AGE_SECONDS"])
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return data if isinstance(data, dict) else None


def fingerprint(value: str | None) -> str:
    """A short digest of `value`: a token carrying it dies when the value changes."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


def new_secret() -> tuple[str, str]:
    """A random one-time secret for a link and the hash we store instead of it."""
    secret = secrets.token_urlsafe(32)
    return secret, hash_secret(secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
