"""Agents' replies on a chat ticket: written to the chat's event log at once (in the reply's own
transaction, so the visitor sees it within a poll), confirmed by the delivery job, and mailed as well
when the visitor has left and gave an email address."""
from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import delivery
from portal.channels.chat import events, sessions
from portal.channels.chat.queries import session_of
from portal.channels.models import ChannelAccount, ChatSession
from portal.extensions import db
from portal.tickets import notifications
from portal.tickets.models import AuthorKind, Channel, MessageKind, TicketMessage


def publish_reply(session: ChatSession, message: TicketMessage) -> int:
    """Put an agent's reply in the chat's event log once; returns the event id."""
    meta = dict(message.meta or {})
    if meta.get("chat_event"):
        return meta["chat_event"]
    author = message.author.display_name if message.author else ""
    event = events.publish(session, "message", **{"from": "agent", "message_id": message.id, "text": message.body,
                                                  "author": author})
    session.agent_typing_until = None
    message.meta = {**meta, "chat_event": event.id}
    return event.id


def send(account: ChannelAccount, ticket, message: TicketMessage) -> str:
    """The "chat" sender of channels.deliver: the event (if the fast path did not write it yet), and the
    mail when the visitor has not been seen for two minutes and left an address."""
    session = session_of(ticket)
    if session is None and not ticket.requester_email:
        raise delivery.DeliveryFailed(_("This chat is gone and the visitor left no email address."), permanent=True)
    event_id = publish_reply(session, message) if session is not None else None
    meta = dict(message.meta or {})
    if ticket.requester_email and not meta.get("chat_mailed") and mails_too(ticket, session):
        notifications.email_reply(ticket, message)
        message.meta = {**meta, "chat_mailed": True}
    db.session.flush()
    return f"chat-event-{event_id}" if event_id else f"chat-mail-{message.id}"


def opened_offline(ticket) -> bool:
    """The visitor wrote while no agent was online (and was told the answer comes by email)."""
    first = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id).limit(1))
    return bool(first is not None and (first.meta or {}).get("offline"))


def mails_too(ticket, session: ChatSession | None) -> bool:
    """Whether a reply also goes by email: the visitor left or ended the chat, or wrote when no one was online."""
    return session is None or session.status != "open" or not sessions.visitor_present(session) \
        or opened_offline(ticket)


def on_ticket_changed(ticket, kind=None, actor=None, **_ignored) -> None:
    """An agent replied on a chat ticket: publish the reply now rather than when the worker gets to it."""
    if kind != "reply" or ticket.channel != Channel.CHAT or not ticket.channel_account_id:
        return
    account = db.session.get(ChannelAccount, ticket.channel_account_id)
    session = session_of(ticket) if account is not None and account.kind == "chat" else None
    if session is None:
        return
    waiting = db.session.scalars(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.author_kind == AuthorKind.AGENT,
        TicketMessage.kind == MessageKind.PUBLIC, TicketMessage.delivery_status == "queued")
        .order_by(TicketMessage.id.desc()).limit(5)).all()
    for message in reversed(waiting):
        publish_reply(session, message)


def composer_hint(account: ChannelAccount, ticket) -> delivery.ComposerHint:
    """Tell the agent whether the visitor is in the chat, or where the reply goes instead."""
    session = session_of(ticket)
    if ticket.requester_email and mails_too(ticket, session):
        return delivery.ComposerHint(notice=_("Your reply goes to the chat and by email to %(email)s.",
                                              email=ticket.requester_email))
    if session is not None and session.status == "open" and sessions.visitor_present(session):
        return delivery.ComposerHint(notice=_("The visitor is in the chat: they see your reply at once."))
    return delivery.ComposerHint(notice=_("The visitor left the chat and gave no email address: they see your "
                                          "reply if they come back to the chat."))
