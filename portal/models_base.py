"""Small shared column helpers for the models."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC now (SQLite stores no zone; every datetime in the database is UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
