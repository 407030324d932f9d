"""The shared Redis connection (PORTAL_REDIS_URL) for what several machines must see alike: rate limits and
presence. Unset, everything stays in the database. Redis going away is never worth a failed page: callers
fall back to the database, and after a failure Redis is left alone for a few seconds (no timeout per request).
"""
import logging
import threading
import time

from flask import current_app

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 0.5  # connect and answer: a hint or a counter is not worth a slow page
REST_SECONDS = 5.0  # after a failure, the database serves alone this long before Redis is tried again
_clients: dict[str, object] = {}
_down_until: dict[str, float] = {}
_lock = threading.Lock()


def client():
    """The Redis client of this app's REDIS_URL, or None when unset or resting after a failure."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if time.monotonic() < _down_until.get(url, 0.0):
        return None
    with _lock:
        if url not in _clients:
            import redis

            _clients[url] = redis.Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS,
                                                 socket_connect_timeout=TIMEOUT_SECONDS, health_check_interval=30)
        return _clients[url]


def failed(exc: Exception, what: str) -> None:
    """Note a Redis failure (logged once per rest) and rest it for REST_SECONDS."""
    url = current_app.config.get("REDIS_URL")
    log.warning("redis unavailable, %s in the database for %.0f s: %s", what, REST_SECONDS, exc)
    _down_until[url] = time.monotonic() + REST_SECONDS


def errors() -> tuple[type[Exception], ...]:
    """What a Redis call raises when the server is gone or refuses (connection, timeout, protocol)."""
    import redis

    return (redis.RedisError, OSError)
