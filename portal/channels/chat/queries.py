"""Read side of live chat for the desk: the open chats an agent may work, and a ticket's chat."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.channels.chat import events, sessions
from portal.channels.models import ChatSession
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.access import staff_filter
from portal.tickets.models import UNSOLVED, AuthorKind, Channel, MessageKind, Ticket, TicketMessage


@dataclass
class LiveChat:
    session: ChatSession
    ticket: Ticket
    waiting_since: datetime | None  # the visitor's unanswered message, None when an agent answered last
    present: bool

    @property
    def waiting_seconds(self) -> int | None:
        return int((utcnow() - self.waiting_since).total_seconds()) if self.waiting_since else None


def live_chats(user, limit: int = 100) -> list[LiveChat]:
    """Open chats on unsolved tickets `user` may work, the longest-waiting visitor first (three queries)."""
    rows = db.session.execute(select(ChatSession, Ticket).join(Ticket, Ticket.id == ChatSession.ticket_id).where(
        ChatSession.status == "open", Ticket.status.in_(UNSOLVED), Ticket.merged_into_id.is_(None), staff_filter(user))
        .order_by(ChatSession.id.desc()).limit(limit)).all()
    last = _last_public_messages([ticket.id for _session, ticket in rows])
    chats = []
    for session, ticket in rows:
        message = last.get(ticket.id)
        waiting = message.created_at if message is not None and message.author_kind == AuthorKind.CUSTOMER else None
        chats.append(LiveChat(session, ticket, waiting, sessions.visitor_present(session)))
    return sorted(chats, key=lambda c: (c.waiting_since is None, c.waiting_since or utcnow(), -c.session.id))


def _last_public_messages(ticket_ids: list[int]) -> dict[int, TicketMessage]:
    if not ticket_ids:
        return {}
    newest = select(func.max(TicketMessage.id)).where(TicketMessage.ticket_id.in_(ticket_ids),
                                                      TicketMessage.kind == MessageKind.PUBLIC) \
        .group_by(TicketMessage.ticket_id)
    return {m.ticket_id: m for m in db.session.scalars(select(TicketMessage).where(TicketMessage.id.in_(newest)))}


def session_of(ticket) -> ChatSession | None:
    """The chat session a ticket came from (the newest one when the visitor came back)."""
    return db.session.scalar(select(ChatSession).where(ChatSession.ticket_id == ticket.id)
                             .order_by(ChatSession.id.desc()).limit(1))


def chat_for_ticket(ticket) -> dict | None:
    """The live part of a chat ticket's page: its session, whether the visitor is there, the last event id."""
    if ticket is None or ticket.channel != Channel.CHAT:
        return None
    session = session_of(ticket)
    if session is None:
        return None
    return {"session": session, "present": sessions.visitor_present(session), "after": events.last_id(session.id)}
