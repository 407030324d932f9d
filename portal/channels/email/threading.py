"""Which ticket an inbound mail belongs to: our Message-IDs first, then a [#N] token from a participant."""
from sqlalchemy import select

from portal.channels.email.models import EmailParticipant, InboundEmail
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets.models import NUMBER_OFFSET, Ticket


def ticket_by_message_ids(ids: list[str]) -> Ticket | None:
    """The ticket of the newest id among `ids` that we sent or stored (an index search on each table)."""
    ids = [i for i in ids if i][-50:]
    if not ids:
        return None
    sent = db.session.scalar(select(OutgoingMail.ticket_id).where(OutgoingMail.message_id.in_(ids),
                                                                  OutgoingMail.ticket_id.is_not(None))
                             .order_by(OutgoingMail.id.desc()).limit(1))
    stored = db.session.scalar(select(InboundEmail.ticket_id).where(InboundEmail.message_id.in_(ids),
                                                                    InboundEmail.ticket_id.is_not(None))
                               .order_by(InboundEmail.id.desc()).limit(1))
    ticket_id = sent or stored
    return db.session.get(Ticket, ticket_id) if ticket_id else None


def is_participant(ticket: Ticket, email: str) -> bool:
    """The requester or someone copied on the conversation."""
    if email == (ticket.requester_email or "").lower():
        return True
    return db.session.get(EmailParticipant, (ticket.id, email)) is not None


def ticket_by_token(number: int | None, sender: str) -> Ticket | None:
    """The ticket a [#N] subject token names, only when the sender takes part in it."""
    if not number or number <= NUMBER_OFFSET or number > 2**62:
        return None
    ticket = db.session.get(Ticket, number - NUMBER_OFFSET)
    return ticket if ticket is not None and is_participant(ticket, sender) else None


def resolve(ticket: Ticket | None) -> Ticket | None:
    """Follow merges to the ticket that lives on."""
    seen = set()
    while ticket is not None and ticket.merged_into_id and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket


def add_participants(ticket: Ticket, people: list[tuple[str, str]], *, exclude: set[str]) -> None:
    """Keep the CCs a customer added as participants of the conversation."""
    for name, email in people:
        email = (email or "").lower()
        if not email or email in exclude or email == (ticket.requester_email or "").lower():
            continue
        if db.session.get(EmailParticipant, (ticket.id, email)) is None:
            db.session.add(EmailParticipant(ticket_id=ticket.id, email=email, name=(name or "")[:200]))
    db.session.flush()


def participants(ticket: Ticket) -> list[EmailParticipant]:
    return list(db.session.scalars(select(EmailParticipant).where(EmailParticipant.ticket_id == ticket.id)))
