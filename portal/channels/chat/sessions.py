"""Visitors' chat sessions: a secret token held by the visitor (we keep its hash), the messages they send
(into the one inbound function), typing signals, the end of a chat and a logged-in visitor's history."""
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.services import valid_email
from portal.channels import inbound
from portal.channels.chat import events
from portal.channels.models import ChannelAccount, ChatSession
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inputs import parse_id
from portal.models_base import utcnow
from portal.tickets.models import AuthorKind, Channel, MessageKind, Ticket, TicketMessage
from portal.tickets.contact import mark_submitted

MAX_TEXT = 5_000
MAX_NAME = 120
TYPING_SECONDS = 6  # a typing signal shows this long unless renewed
TYPING_EVERY = 3  # at most one typing event per side this often
SEEN_SECONDS = 120  # a visitor not heard from for this long has left: replies also go by email
CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
LANGS = ("en", "fr")


@dataclass
class Opened:
    session: ChatSession
    token: str  # given to the visitor once; only its hash is stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def stream_key(session: ChatSession) -> str:
    """A read-only key for the event stream URL (EventSource cannot send headers): it opens no other door."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"chat-stream:{session.token_hash}".encode(), hashlib.sha256).hexdigest()[:40]


def open_session(account: ChannelAccount, *, page_url: str | None, locale: str | None, user=None) -> Opened:
    """A new chat for a visitor (linked to their account when logged in); returns the token once."""
    token = secrets.token_urlsafe(32)
    session = ChatSession(account_id=account.id, token_hash=token_hash(token), status="open",
                          user_id=getattr(user, "id", None), page_url=_page_url(page_url),
                          locale=locale if locale in LANGS else "en", visitor_seen_at=utcnow(), created_at=utcnow())
    if user is not None:
        session.visitor_name, session.visitor_email = (user.name or "")[:MAX_NAME], user.email
    db.session.add(session)
    db.session.flush()
    return Opened(session, token)


def _page_url(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else ""
    parts = urlsplit(value) if value else None
    return value[:500] if parts and parts.scheme in ("http", "https") and parts.netloc else None


def find_session(account: ChannelAccount, session_id, *, token: str | None = None, key: str | None = None,
                 include_ended: bool = False) -> ChatSession:
    """The visitor's session if `token` (or the stream `key`) is its own; NotFound otherwise, the same for
    a wrong token as for a session that does not exist, so a guessed id reveals nothing."""
    number = parse_id(session_id)
    session = db.session.get(ChatSession, number) if number else None
    if session is None or session.account_id != account.id or (session.status != "open" and not include_ended):
        raise NotFound(_("We could not find that chat."))
    if token and hmac.compare_digest(token_hash(token), session.token_hash):
        return session
    if key and hmac.compare_digest(stream_key(session).encode(), key.encode("utf-8", "replace")):
        return session
    raise NotFound(_("We could not find that chat."))


def seen(session: ChatSession) -> None:
    session.visitor_seen_at = utcnow()


def visitor_present(session: ChatSession) -> bool:
    """Whether the visitor was heard from in the last two minutes (their widget polls or streams)."""
    return bool(session.visitor_seen_at and session.visitor_seen_at >= utcnow() - timedelta(seconds=SEEN_SECONDS))


def visitor_key(session: ChatSession) -> str:
    """Who the help-article suggestions were for, as the deflection records name visitors."""
    return f"chat-{session.id}"


def post_message(account: ChannelAccount, session: ChatSession, *, client_id: str, text: str,
                 name: str | None = None, email: str | None = None, require_contact: bool = False,
                 user=None) -> inbound.InboundResult:
    """A visitor's message: the first opens a chat ticket, later ones thread on it; the same client
    message id twice is stored once. `require_contact` (no agent online): name and email are required."""
    text = _checked_text(text)
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValidationError(_("This message has no valid id; reload the page and try again."), field="id")
    _remember_contact(session, name, email, required=require_contact and session.ticket_id is None)
    result = inbound.receive(account, inbound.InboundMessage(
        external_id=f"chat:{session.id}:{client_id}", sender=f"chat:{session.id}", body=text,
        sender_name=session.visitor_name or _visitor_label(session), email=session.visitor_email,
        user=user if user is not None and user.id == session.user_id else None,
        meta={"chat_session": session.id, "page_url": session.page_url, "offline": require_contact}))
    seen(session)
    if result.outcome == "duplicate":
        return result
    message = db.session.get(TicketMessage, result.message_id)
    ticket = db.session.get(Ticket, message.ticket_id)
    ticket.locale = ticket.locale or session.locale
    if not ticket.requester_email and not ticket.requester_id and session.visitor_email:
        ticket.requester_email = session.visitor_email  # left later in the chat: where replies go if they leave
    session.ticket_id, session.visitor_typing_until = ticket.id, None
    events.publish(session, "message", **{"from": "visitor", "message_id": message.id, "client_id": client_id,
                                          "text": text, "version": ticket.version})
    mark_submitted(visitor_key(session))  # the suggestions did not answer it
    return result


def _checked_text(text) -> str:
    text = (text if isinstance(text, str) else "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(_("Write a message first."), field="text")
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The message is too long (at most %(num)d characters).", num=MAX_TEXT), field="text")
    return text


def _remember_contact(session: ChatSession, name, email, *, required: bool) -> None:
    """Keep the name and email the visitor typed (or their account's); both required when `required`."""
    name = (name if isinstance(name, str) else "").strip() or session.visitor_name or ""
    email = (email if isinstance(email, str) else "").strip() or session.visitor_email or ""
    if required and not name:
        raise ValidationError(_("Enter your name."), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(_("The name is too long (at most %(num)d characters).", num=MAX_NAME), field="name")
    if required and not email:
        raise ValidationError(_("Enter your email address so we can answer you."), field="email")
    if email:
        session.visitor_email = valid_email(email)
    if name:
        session.visitor_name = name


def _visitor_label(session: ChatSession) -> str:
    with force_locale(session.locale or "en"):
        return _("Chat visitor %(number)d", number=session.id)


def typing(session: ChatSession, side: str) -> bool:
    """`side` is typing: renew its "until", and tell the other side at most every TYPING_EVERY seconds."""
    now = utcnow()
    column = "visitor_typing_until" if side == "visitor" else "agent_typing_until"
    until = getattr(session, column)
    setattr(session, column, now + timedelta(seconds=TYPING_SECONDS))
    if side == "visitor":
        seen(session)
    if until is not None and until - now > timedelta(seconds=TYPING_SECONDS - TYPING_EVERY):
        return False  # told the other side less than TYPING_EVERY seconds ago
    events.publish(session, "typing", **{"from": side, "seconds": TYPING_SECONDS})
    return True


def end_session(session: ChatSession) -> None:
    """The visitor closed the chat: the session stops; the ticket stays for the agents."""
    session.status = "ended"
    events.publish(session, "ended", **{"from": "visitor"})


def history(session: ChatSession, user, *, limit: int = 5) -> list[dict]:
    """A logged-in visitor's earlier chats (other tickets of their chat sessions), public messages only."""
    if user is None or session.user_id is None or user.id != session.user_id:
        return []
    ids = select(ChatSession.ticket_id).where(ChatSession.user_id == user.id, ChatSession.ticket_id.is_not(None))
    tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids), Ticket.channel == Channel.CHAT,
                                                      Ticket.id != (session.ticket_id or 0),
                                                      Ticket.merged_into_id.is_(None))
                                 .order_by(Ticket.id.desc()).limit(limit)).all()
    rows = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id.in_([t.id for t in tickets]),
                                                          TicketMessage.kind == MessageKind.PUBLIC)
                              .order_by(TicketMessage.id)).all()
    return [{"ticket": t.number, "subject": t.subject, "at": t.created_at.isoformat() + "Z",
             "messages": [{"from": "visitor" if m.author_kind.value == "customer" else "agent", "text": m.body,
                           "at": m.created_at.isoformat() + "Z"} for m in rows if m.ticket_id == t.id][-50:]}
            for t in tickets]


def transcript(session: ChatSession) -> list[dict]:
    """The messages of this chat so far, for a widget that reloads: from the event log, or from the chat's
    ticket once the nightly job purged the log (CHAT_EVENT_HOURS)."""
    shown = [events.for_visitor(e) for e in events.messages(session.id)]
    if shown or session.ticket_id is None:
        return shown
    return _ticket_transcript(session)


def _ticket_transcript(session: ChatSession, limit: int = 500) -> list[dict]:
    """The visitor's messages of this chat and the agents' replies sent to it, shaped like events. Their
    ids are negative: they name no position in the event log, so the widget reads on from where it is."""
    rows = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == session.ticket_id,
                                                          TicketMessage.kind == MessageKind.PUBLIC)
                              .order_by(TicketMessage.id.desc()).limit(limit)).all()
    prefix, out = f"chat:{session.id}:", []
    for message in reversed(rows):
        if message.author_kind == AuthorKind.CUSTOMER and (message.external_id or "").startswith(prefix):
            out.append({"id": -message.id, "kind": "message", "from": "visitor", "text": message.body,
                        "client_id": message.external_id[len(prefix):], "at": message.created_at.isoformat() + "Z"})
        elif message.author_kind == AuthorKind.AGENT and (message.meta or {}).get("chat_event"):
            out.append({"id": -message.id, "kind": "message", "from": "agent", "text": message.body,
                        "author": message.author.display_name if message.author else "",
                        "at": message.created_at.isoformat() + "Z"})
    return out
