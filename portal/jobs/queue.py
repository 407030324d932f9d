"""The huey instance: SQLite under instance/ by default, Redis when QUEUE_URL says so, immediate in tests.

Storage is opened on first use, not when the app is built (nothing touches disk in create_app).
"""
import os

from huey import Huey
from huey.storage import RedisStorage, SqliteStorage

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
        huey.storage = RedisStorage(huey.name, url=_settings["url"])
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
