"""Collision detection: who else has a ticket open or is writing on it right now.

Presence is written outside the page's own transaction, as one upsert on a connection of its own, so
overlapping page views of one agent never collide, and a failure here never fails the page.
With REDIS_URL set, presence lives in Redis instead (a hash per ticket: user id -> "seen:composing", expiring
PRESENCE_SECONDS after the last beat), and in the database again while Redis is unavailable.
"""
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from portal import redis_store
from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import TicketPresence

log = logging.getLogger(__name__)
def _pg_insert(table):
    from sqlalchemy.dialects.postgresql import insert  # only on PostgreSQL sites: its driver is heavy

    return insert(table)


_INSERTS = {"sqlite": sqlite_insert, "postgresql": _pg_insert}


def touch(ticket, user, *, composing: bool = False) -> None:
    """Record that `user` is viewing (or composing on) `ticket` now (Redis, else INSERT … ON CONFLICT DO UPDATE)."""
    beat, seconds = f"{_epoch(utcnow())}:{int(composing)}", int(current_app.config["PRESENCE_SECONDS"])
    if _redis_run(lambda redis: redis.pipeline().hset(_key(ticket), str(user.id), beat)
                  .expire(_key(ticket), seconds).execute()):
        return
    insert = _INSERTS.get(db.engine.dialect.name, sqlite_insert)
    values = {"ticket_id": ticket.id, "user_id": user.id, "composing": composing, "seen_at": utcnow()}
    statement = insert(TicketPresence.__table__).values(**values).on_conflict_do_update(
        index_elements=["ticket_id", "user_id"], set_={"composing": composing, "seen_at": values["seen_at"]})
    _run(statement)


def leave(ticket, user) -> None:
    """`user` sent their reply: forget them (call it after the reply's commit, which held the write lock)."""
    if _redis_run(lambda redis: redis.hdel(_key(ticket), str(user.id))):
        return
    _run(delete(TicketPresence.__table__).where(TicketPresence.ticket_id == ticket.id,
                                                TicketPresence.user_id == user.id))


def _key(ticket) -> str:
    return f"comptoir:presence:{ticket.id}"


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=timezone.utc).timestamp()


def _redis_run(call) -> bool:
    """Run `call(redis)` when Redis is configured and up; False sends the caller to the database."""
    redis = redis_store.client()
    if redis is None:
        return False
    try:
        call(redis)
    except redis_store.errors() as exc:
        redis_store.failed(exc, "presence kept")
        return False
    return True


def _run(statement) -> None:
    """Execute `statement` in a short transaction of its own; log and swallow any database failure."""
    try:
        with db.engine.begin() as connection, _short_wait(connection):
            connection.execute(statement)
    except SQLAlchemyError as exc:  # presence is a hint: never worth a failed page
        log.warning("presence not recorded: %s", exc)


@contextmanager
def _short_wait(connection):
    """A hint is not worth waiting for: give up after half a second of lock contention."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("SET LOCAL lock_timeout = '500ms'")
    if dialect != "sqlite":
        yield
        return
    usual = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql("PRAGMA busy_timeout=500")
    try:
        yield
    finally:  # the connection goes back to the pool: restore the wait every other user expects
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(usual)}")


def others(ticket, user) -> list[dict]:
    """Other staff seen on the ticket in the last PRESENCE_SECONDS."""
    since = utcnow() - timedelta(seconds=current_app.config["PRESENCE_SECONDS"])
    beats = {}
    if _redis_run(lambda redis: beats.update(redis.hgetall(_key(ticket)))):
        return _redis_others(beats, user, since)
    try:
        rows = db.session.scalars(select(TicketPresence).options(joinedload(TicketPresence.user)).where(
            TicketPresence.ticket_id == ticket.id, TicketPresence.user_id != user.id,
            TicketPresence.seen_at >= since)).all()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("presence not read: %s", exc)
        return []
    return [{"name": row.user.display_name, "composing": row.composing} for row in rows]


def _redis_others(beats: dict, user, since: datetime) -> list[dict]:
    """The names behind a ticket's Redis beats newer than `since`, `user` left out."""
    fresh = {}
    for user_id, value in beats.items():
        seen, _sep, composing = value.decode().partition(":")
        if int(user_id) != user.id and float(seen) >= _epoch(since):
            fresh[int(user_id)] = composing == "1"
    if not fresh:
        return []
    try:
        users = db.session.scalars(select(User).where(User.id.in_(fresh)).order_by(User.id)).all()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("presence not read: %s", exc)
        return []
    return [{"name": row.display_name, "composing": fresh[row.id]} for row in users]
