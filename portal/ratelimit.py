"""Sliding-window counters shared by every process (password resets, inbound mail loops, chat, API failures).

In the database by default; in Redis when REDIS_URL is set (one sorted set of event times per kind and key,
checked and recorded atomically), falling back to the database while Redis is unavailable. A kind is always
counted over one window. Redis events count at once, not at the caller's commit.
"""
import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from portal import redis_store
from portal.extensions import db
from portal.models_base import utcnow

# KEYS: one sorted set per limit, scored in whole microseconds (exact, like the database's timestamps).
# ARGV: now, the window's start (events before it are dropped), the window in seconds, a unique member, then
# each key's limit. Numbers travel as Python wrote them: Lua would print large ones rounded.
_ALLOW = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[2])
  if redis.call('ZCARD', key) >= tonumber(ARGV[4 + i]) then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1], ARGV[4])
  redis.call('EXPIRE', key, ARGV[3])
end
return 1
"""


class RateEvent(db.Model):
    """One counted event: `kind` names the limit, `key` whom it counts (an address, a client)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_rate_event_kind_key_created", "kind", "key", "created_at"),)


def _redis_key(kind: str, key: str) -> str:
    return f"comptoir:rate:{kind}:{key[:254]}"


def _now() -> int:
    """utcnow() in whole microseconds since the epoch."""
    return (utcnow() - datetime(1970, 1, 1)) // timedelta(microseconds=1)


def count(kind: str, key: str, *, window_seconds: int) -> int:
    """How many `kind` events `key` had in the last `window_seconds`."""
    redis = redis_store.client()
    if redis is not None:
        try:
            return int(redis.zcount(_redis_key(kind, key), _now() - window_seconds * 1_000_000, "+inf"))
        except redis_store.errors() as exc:
            redis_store.failed(exc, "rate limits counted")
    since = utcnow() - timedelta(seconds=window_seconds)
    return db.session.scalar(select(func.count(RateEvent.id)).where(
        RateEvent.kind == kind, RateEvent.key == key[:254], RateEvent.created_at >= since)) or 0


def allow(limits: list[tuple[str, str, int]], *, window_seconds: int) -> bool:
    """Record one event under each (kind, key, limit) unless one of them is already at its limit."""
    redis = redis_store.client()
    if redis is not None:
        try:
            now = _now()
            keys = [_redis_key(kind, key) for kind, key, _limit in limits]
            return bool(redis.eval(_ALLOW, len(keys), *keys, now, now - window_seconds * 1_000_000,
                                   max(1, math.ceil(window_seconds)), f"{now}:{secrets.token_hex(4)}",
                                   *[limit for _kind, _key, limit in limits]))
        except redis_store.errors() as exc:
            redis_store.failed(exc, "rate limits counted")
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


def usage(kind: str, key: str, *, window_seconds: int) -> tuple[int, datetime | None]:
    """How many `kind` events `key` had in the last `window_seconds`, and when the oldest of them was.

    Always the database: its one caller (the REST API's per-user limit) adds its RateEvent rows itself.
    """
    since = utcnow() - timedelta(seconds=window_seconds)
    found, oldest = db.session.execute(select(func.count(RateEvent.id), func.min(RateEvent.created_at)).where(
        RateEvent.kind == kind, RateEvent.key == key[:254], RateEvent.created_at >= since)).one()
    return found or 0, oldest
