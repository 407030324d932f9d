"""Collision detection: who else has a ticket open or is writing on it right now."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import TicketPresence


def touch(ticket, user, *, composing: bool = False) -> None:
    """Record that `user` is viewing (or composing on) `ticket` now."""
    row = db.session.get(TicketPresence, (ticket.id, user.id))
    if row is None:
        row = TicketPresence(ticket_id=ticket.id, user_id=user.id)
        db.session.add(row)
    row.composing, row.seen_at = composing, utcnow()
    db.session.flush()


def others(ticket, user) -> list[dict]:
    """Other staff seen on the ticket in the last PRESENCE_SECONDS."""
    since = utcnow() - timedelta(seconds=current_app.config["PRESENCE_SECONDS"])
    rows = db.session.scalars(select(TicketPresence).options(joinedload(TicketPresence.user)).where(
        TicketPresence.ticket_id == ticket.id, TicketPresence.user_id != user.id, TicketPresence.seen_at >= since))
    return [{"name": row.user.display_name, "composing": row.composing} for row in rows]


def leave(ticket, user) -> None:
    row = db.session.get(TicketPresence, (ticket.id, user.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
