"""Sliding-window counters in the database, shared by every process (password resets, inbound mail loops)."""
from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models_base import utcnow


class RateEvent(db.Model):
    """One counted event: `kind` names the limit, `key` whom it counts (an address, a client)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_rate_event_kind_key_created", "kind", "key", "created_at"),)


def count(kind: str, key: str, *, window_seconds: int) -> int:
    """How many `kind` events `key` had in the last `window_seconds`."""
    since = utcnow() - timedelta(seconds=window_seconds)
    return db.session.scalar(select(func.count(RateEvent.id)).where(
        RateEvent.kind == kind, RateEvent.key == key[:254], RateEvent.created_at >= since)) or 0


def allow(limits: list[tuple[str, str, int]], *, window_seconds: int) -> bool:
    """Record one event under each (kind, key, limit) unless one of them is already at its limit."""
    if any(count(kind, key, window_seconds=window_seconds) >= limit for kind, key, limit in limits):
        return False
    for kind, key, _limit in limits:
        db.session.add(RateEvent(kind=kind, key=key[:254]))
    db.session.flush()
    return True


def purge(*, older_than_seconds: int) -> int:
    """Delete events older than any window (run by the worker); returns how many went."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    return db.session.execute(delete(RateEvent).where(RateEvent.created_at < cutoff)).rowcount
