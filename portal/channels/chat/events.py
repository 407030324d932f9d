"""The chat's event log: every message and typing signal is a ChatEvent row, and each side reads the
rows after the last id it has (Server-Sent Events or polling), so any web worker can serve any chat.

With REDIS_URL set, a commit that added events also publishes a wake-up on the chat's Redis channel, and a
stream waits on that channel instead of reading the database every POLL_SECONDS (it still reads every
WAKE_POLL_SECONDS, and falls back to plain polling if Redis goes away). The rows stay the only content.
"""
import itertools
import json
import time

from flask import current_app
from sqlalchemy import delete, event as sa_event, func, select

from portal import redis_store
from portal.channels.models import ChatEvent, ChatSession
from portal.extensions import db
from portal.models_base import utcnow

BATCH = 100
STREAM_SECONDS = 25  # then the stream ends and EventSource reconnects (Last-Event-ID): no worker held for long
POLL_SECONDS = 0.2
RETRY_MS = 300
PURGE_BATCH = 2000  # events deleted per transaction by the nightly job
WAKE_POLL_SECONDS = 2.0  # with Redis: a stream reads the database at least this often (a lost wake-up)


def publish(session: ChatSession, kind: str, **data) -> ChatEvent:
    """Add one event for both sides to read (flushes; visible once the caller commits)."""
    event = ChatEvent(session_id=session.id, kind=kind, data=data, created_at=utcnow())
    db.session.add(event)
    db.session.flush()
    if current_app.config.get("REDIS_URL"):
        _wake_after_commit(session.id)
    return event


def _channel(session_id: int) -> str:
    return f"comptoir:chat:{session_id}"


def _wake_after_commit(session_id: int) -> None:
    """Publish a wake-up for `session_id` once this transaction commits (readers then see the rows)."""
    session = db.session()
    session.info.setdefault("chat_wake", set()).add(session_id)
    if not sa_event.contains(session, "after_commit", _wake):
        sa_event.listen(session, "after_commit", _wake)


def _wake(session) -> None:
    """after_commit: tell the streams of the chats that got events; Redis failing costs only latency."""
    waiting = session.info.pop("chat_wake", None)
    redis = redis_store.client() if waiting else None
    if redis is None:
        return
    try:
        for session_id in waiting:
            redis.publish(_channel(session_id), "1")
    except redis_store.errors() as exc:
        redis_store.failed(exc, "live chat polled")


def purge_before(cutoff, *, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` of the oldest events written before `cutoff`; returns how many went (flushes).

    Reads in id order (the table's own key) and stops at the first newer event, since ids grow with time.
    The newest event always stays: SQLite then never gives out again an id a reader has already passed
    (every stream resumes after the last id it has).
    """
    newest = db.session.scalar(select(func.max(ChatEvent.id)))
    if newest is None:
        return 0
    rows = db.session.execute(select(ChatEvent.id, ChatEvent.created_at).where(ChatEvent.id < newest)
                              .order_by(ChatEvent.id).limit(limit)).all()
    old = list(itertools.takewhile(lambda row: row.created_at < cutoff, rows))
    if old:  # the oldest rows of the table: every id up to the last of them is one of them
        db.session.execute(delete(ChatEvent).where(ChatEvent.id <= old[-1].id))
    return len(old)


def last_id(session_id: int) -> int:
    return db.session.scalar(select(ChatEvent.id).where(ChatEvent.session_id == session_id)
                             .order_by(ChatEvent.id.desc()).limit(1)) or 0


def messages(session_id: int, limit: int = 500) -> list[ChatEvent]:
    """The chat's messages (both sides) in order, the newest `limit`."""
    rows = db.session.scalars(select(ChatEvent).where(ChatEvent.session_id == session_id, ChatEvent.kind == "message")
                              .order_by(ChatEvent.id.desc()).limit(limit))
    return list(reversed(rows.all()))


def _visible(event: ChatEvent, side: str) -> bool:
    """Each side's own typing signals are not sent back to it."""
    return not (event.kind == "typing" and (event.data or {}).get("from") == side)


def after(session_id: int, after_id: int, *, side: str, limit: int = BATCH) -> tuple[list[ChatEvent], int]:
    """The events after `after_id` that `side` ("visitor" or "agent") sees, oldest first, and the last id
    read (past the ones `side` does not see, so a reader never reads them again)."""
    rows = list(db.session.scalars(select(ChatEvent).where(ChatEvent.session_id == session_id,
                                                           ChatEvent.id > after_id)
                                   .order_by(ChatEvent.id).limit(limit)))
    return [event for event in rows if _visible(event, side)], (rows[-1].id if rows else after_id)


def as_dict(event: ChatEvent) -> dict:
    return {**(event.data or {}), "id": event.id, "kind": event.kind, "at": event.created_at.isoformat() + "Z"}


VISITOR_KEYS = ("id", "kind", "from", "text", "author", "client_id", "seconds", "at")


def for_visitor(event: ChatEvent) -> dict:
    """What the widget gets of an event: the words and who wrote them, nothing of the desk's bookkeeping."""
    full = as_dict(event)
    return {key: full[key] for key in VISITOR_KEYS if key in full}


def sse(event_id: int | None, payload: dict) -> str:
    """One Server-Sent Event: its id (what Last-Event-ID names on reconnection) and JSON data."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}data: {json.dumps(payload, ensure_ascii=False, separators=(',', ':'))}\n\n"


def stream(session_id: int, after_id: int, *, side: str, render, on_poll=None):
    """Yield SSE text for `side` for at most CHAT_STREAM_SECONDS, reading the database every POLL_SECONDS.

    Each read is its own short transaction (the connection goes back to the pool in between), so a
    stream holds no lock and no connection while it waits. `on_poll()` runs about every 20 seconds
    (the visitor's "last seen"); a comment line every 10 seconds keeps proxies from closing the stream.
    """
    config = current_app.config
    deadline = time.monotonic() + float(config.get("CHAT_STREAM_SECONDS", STREAM_SECONDS))
    waiter = _Waiter(session_id, float(config.get("CHAT_POLL_SECONDS", POLL_SECONDS)),
                     float(config.get("CHAT_WAKE_POLL_SECONDS", WAKE_POLL_SECONDS)))
    try:
        yield f"retry: {RETRY_MS}\n\n"
        yield from _stream_rows(session_id, after_id, side, render, on_poll, deadline, waiter)
    finally:
        waiter.close()


def _stream_rows(session_id, after_id, side, render, on_poll, deadline, waiter):
    last_beat = last_seen = time.monotonic()
    while True:
        try:
            found, read_to = after(session_id, after_id, side=side)
            rows = [(event.id, render(event)) for event in found]
        finally:
            db.session.rollback()  # end the read: the next one sees what others committed since
        for event_id, payload in rows:
            yield sse(event_id, payload)
        if read_to != after_id and (not rows or rows[-1][0] != read_to):
            yield f"id: {read_to}\n\n"  # past events this side does not see: where to resume
        after_id = read_to
        now = time.monotonic()
        if on_poll is not None and now - last_seen >= 20:
            last_seen = now
            on_poll()
        if now >= deadline:
            return
        if now - last_beat >= 10:
            last_beat = now
            yield ": keep-alive\n\n"
        waiter.wait(min(deadline - now, 10 - (now - last_beat)))


class _Waiter:
    """Between two reads of the log: a Redis wake-up (subscribed before the first read, so none is missed)
    or at most `wake_poll` seconds; without Redis, or once it fails, a plain `pause`."""

    def __init__(self, session_id: int, pause: float, wake_poll: float):
        self.pause, self.wake_poll, self.pubsub = pause, wake_poll, None
        redis = redis_store.client()
        if redis is not None:
            try:
                self.pubsub = redis.pubsub(ignore_subscribe_messages=True)
                self.pubsub.subscribe(_channel(session_id))
            except redis_store.errors() as exc:
                self._lost(exc)

    def wait(self, at_most: float) -> None:
        if self.pubsub is None:
            time.sleep(self.pause)
            return
        try:
            if self.pubsub.get_message(timeout=max(0.0, min(self.wake_poll, at_most))) is not None:
                while self.pubsub.get_message(timeout=0) is not None:  # one read covers every wake-up so far
                    pass
        except redis_store.errors() as exc:
            self._lost(exc)

    def _lost(self, exc) -> None:
        redis_store.failed(exc, "live chat polled")
        self.close()

    def close(self) -> None:
        if self.pubsub is not None:
            pubsub, self.pubsub = self.pubsub, None
            try:
                pubsub.close()
            except redis_store.errors():
                pass
