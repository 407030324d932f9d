"""Secrets at rest (API tokens, webhook secrets): Fernet with a key from config, never shown back in full."""
import base64
import hashlib

from flask import current_app


def _fernet():
    """ORDERS_ENCRYPTION_KEY when set (a Fernet key), else a key derived from SECRET_KEY."""
    from cryptography.fernet import Fernet  # on first use: cryptography is 6 MB the worker rarely needs

    key = current_app.config.get("ORDERS_ENCRYPTION_KEY")
    if not key:
        digest = hashlib.sha256(b"comptoir.orders.secrets:" + current_app.config["SECRET_KEY"].encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def encrypt(value: str | None) -> str | None:
    return _fernet().encrypt(value.encode()).decode() if value else None


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def masked(value: str | None) -> str:
    """What a screen may show of a secret: its last four characters."""
    if not value:
        return "—"
    return "•" * 8 + value[-4:] if len(value) > 8 else "•" * len(value)
