"""Small shared column helpers for the models."""
from datetime import datetime, timedelta, timezone

# Always zero in the product; the tests' `clock` fixture (tests/conftest.py) moves it to let time pass.
_clock_offset = timedelta(0)


def utcnow() -> datetime:
    """Naive UTC now (SQLite stores no zone; every datetime in the database is UTC)."""
    return (datetime.now(timezone.utc) + _clock_offset).replace(tzinfo=None)


def enum_column(kind, length: int = 12):
    """A portable enum column storing the members' values (a VARCHAR with a CHECK, no native enum type)."""
    from sqlalchemy import Enum

    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])
