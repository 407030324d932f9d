"""Collision detection: who else has a ticket open or is writing on it right now.

Presence is written outside the page's own transaction, as one upsert on a connection of its own, so
overlapping page views of one agent never collide, and a failure here never fails the page.
"""
import logging
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import TicketPresence

log = logging.getLogger(__name__)
_INSERTS = {"sqlite": sqlite_insert, "postgresql": pg_insert}


def touch(ticket, user, *, composing: bool = False) -> None:
    """Record that `user` is viewing (or composing on) `ticket` now (INSERT … ON CONFLICT DO UPDATE)."""
    insert = _INSERTS.get(db.engine.dialect.name, sqlite_insert)
    values = {"ticket_id": ticket.id, "user_id": user.id, "composing": composing, "seen_at": utcnow()}
    statement = insert(TicketPresence.__table__).values(**values).on_conflict_do_update(
        index_elements=["ticket_id", "user_id"], set_={"composing": composing, "seen_at": values["seen_at"]})
    _run(statement)


def leave(ticket, user) -> None:
    """`user` sent their reply: forget them (call it after the reply's commit, which held the write lock)."""
    _run(delete(TicketPresence.__table__).where(TicketPresence.ticket_id == ticket.id,
                                                TicketPresence.user_id == user.id))


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
    try:
        rows = db.session.scalars(select(TicketPresence).options(joinedload(TicketPresence.user)).where(
            TicketPresence.ticket_id == ticket.id, TicketPresence.user_id != user.id,
            TicketPresence.seen_at >= since)).all()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("presence not read: %s", exc)
        return []
    return [{"name": row.user.display_name, "composing": row.composing} for row in rows]
