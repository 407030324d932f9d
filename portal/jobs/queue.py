"""The huey instance: SQLite under instance/ by default, Redis when QUEUE_URL says so, immediate in tests.

Storage is opened on first use, not when the app is built (nothing touches disk in create_app).
"""
import os

from portal.imports import without

# huey's storage module imports the Redis and PostgreSQL clients when they are installed: 17 MB in every
# process, for a queue that is SQLite unless QUEUE_URL says Redis (_redis_storage adds the client then).
with without("redis", "psycopg"):
    import huey.storage  # noqa: F401

from huey import Huey  # noqa: E402
from huey.storage import SqliteStorage  # noqa: E402


def _redis_storage(name: str, url: str):
    """huey's RedisStorage, with the client left out when huey was imported (above)."""
    import redis
    from huey import storage

    if storage.Redis is None:
        storage.ConnectionPool, storage.Redis = redis.ConnectionPool, redis.Redis
        storage.ConnectionError, storage.TimeoutError = redis.exceptions.ConnectionError, redis.exceptions.TimeoutError
        storage.RedisStorage.redis_client = redis.Redis
    return storage.RedisStorage(name, url=url)


class QueueStorage(SqliteStorage):
    """huey's SQLite storage with synchronous=NORMAL (WAL): a crash of the process loses nothing, and a power
    cut can only lose the last messages, which services.recover() puts back from the job ledger in the main
    database, the record of every job. Without it every enqueued job waited for a disk sync of its own."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn


# Immediate (in-memory) until init_app configures it: importing this module opens nothing.
huey = Huey("comptoir", immediate=True, results=False)
_settings = {"mode": "immediate", "url": None, "configured": None}


def configure(app) -> None:
    """Remember how this app's queue is stored; the storage itself opens in ensure_storage()."""
    url = app.config.get("QUEUE_URL")
    if app.config.get("QUEUE_IMMEDIATE"):
        mode = "immediate"
    elif url and str(url).startswith(("redis://", "rediss://", "unix://")):
        mode = "redis"
    else:
        mode = "sqlite"
        url = url or os.path.join(app.instance_path, "queue.db")
    _settings.update(mode=mode, url=str(url) if url else None, configured=None)


def ensure_storage() -> str:
    """Open the configured storage once; returns the mode ("immediate", "sqlite" or "redis")."""
    key = (_settings["mode"], _settings["url"])
    if _settings["configured"] == key:
        return _settings["mode"]
    if _settings["mode"] == "immediate":
        huey._immediate = True
        huey.storage = huey.get_immediate_storage()
    elif _settings["mode"] == "redis":
        huey._immediate = False
        huey.storage = _redis_storage(huey.name, _settings["url"])
    else:
        huey._immediate = False
        path = _settings["url"].removeprefix("sqlite:///")
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        huey.storage = QueueStorage(huey.name, filename=path, timeout=30)
    _settings["configured"] = key
    return _settings["mode"]


def pending_count() -> int:
    """Messages waiting in huey itself (not yet taken by a consumer)."""
    ensure_storage()
    return huey.pending_count()
