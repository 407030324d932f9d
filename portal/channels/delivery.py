"""Replies out through a provider (SMS, WhatsApp, Messenger, Instagram, chat) and their delivery status.

Each channel registers a sender and, if it has rules, a check (an opted-out number, WhatsApp's 24-hour
window) and a composer hint. An agent's reply is stored, then sent after commit by the worker
("channels.deliver"), retried on failure; the status the provider reports later lands on the message.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _

from portal.extensions import db
from portal.jobs import services as jobs
from portal.models_base import utcnow

_SENDERS = {}  # account kind -> send(account, ticket, message) -> provider message id
_CHECKS = {}  # account kind -> check(account, ticket, meta) raising ValidationError
_COMPOSER = {}  # account kind -> composer(account, ticket) -> ComposerHint

SENDING_STALE_SECONDS = 600

# A later status never goes back to an earlier one (a late "sent" after "delivered" changes nothing).
STATUS_ORDER = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4, "failed": 5, "undelivered": 5}


class DeliveryFailed(Exception):
    """The provider refused the message; `permanent` ones are not retried (a wrong number, a closed window)."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


@dataclass
class ComposerHint:
    """What the composer says about replying on this channel, and the templates it may offer."""
    notice: str | None = None
    templates: list = field(default_factory=list)  # [(value, label)]
    template_required: bool = False


def register(kind: str, *, send, check=None, composer=None) -> None:
    _SENDERS[kind] = send
    if check:
        _CHECKS[kind] = check
    if composer:
        _COMPOSER[kind] = composer


def _account(ticket):
    from portal.channels.models import ChannelAccount

    return db.session.get(ChannelAccount, ticket.channel_account_id) if ticket.channel_account_id else None


def handles(ticket) -> bool:
    """Whether replies on this ticket go back through a provider rather than by email."""
    account = _account(ticket)
    return account is not None and account.kind in _SENDERS


def check_can_send(ticket, meta: dict | None, body: str = "") -> None:
    """Raise a ValidationError (shown on the composer) when this channel cannot take the reply now.
    Checks see the reply's text as meta["body"] (an SMS length limit, for instance)."""
    account = _account(ticket)
    if account is not None and account.kind in _CHECKS:
        _CHECKS[account.kind](account, ticket, {**(meta or {}), "body": body})


def composer_hint(ticket) -> ComposerHint | None:
    account = _account(ticket)
    if account is None or account.kind not in _COMPOSER:
        return None
    return _COMPOSER[account.kind](account, ticket)


def queue_reply(ticket, message) -> None:
    """Mark the agent's reply queued and hand it to the worker (sent once this transaction commits)."""
    message.delivery_status, message.delivery_updated_at = "queued", utcnow()
    jobs.enqueue("channels.deliver", message_id=message.id)


@jobs.task("channels.deliver", max_attempts=6)
def deliver(message_id: int) -> None:
    """Send one stored reply through its ticket's provider; the provider's id is kept for status updates."""
    from portal.tickets.models import Ticket, TicketMessage

    if not _claim(message_id):
        return  # gone, already sent, or being sent by another attempt right now
    message = db.session.get(TicketMessage, message_id)
    ticket = db.session.get(Ticket, message.ticket_id)
    account = _account(ticket)
    if account is None or account.kind not in _SENDERS:
        _set(message, "failed", _("This channel is no longer connected."))
        db.session.commit()
        return
    try:
        external_id = _SENDERS[account.kind](account, ticket, message)
    except DeliveryFailed as exc:
        _set(message, "failed", exc.reason)
        db.session.commit()
        if not exc.permanent:
            raise  # the worker retries with backoff; the message shows "failed" meanwhile
        return
    message.external_id = (external_id or message.external_id or "")[:255] or None
    _set(message, "sent", None)
    db.session.commit()


def _claim(message_id: int) -> bool:
    """Take the message for sending (atomic), so an agent's retry beside the worker's own never sends twice.
    A "sending" left by a worker that died is taken again after SENDING_STALE_SECONDS."""
    from sqlalchemy import and_, or_, update

    from portal.tickets.models import TicketMessage

    stale = utcnow() - timedelta(seconds=SENDING_STALE_SECONDS)
    claimed = db.session.execute(update(TicketMessage).where(
        TicketMessage.id == message_id,
        or_(TicketMessage.delivery_status.in_(("queued", "failed", "undelivered")),
            and_(TicketMessage.delivery_status == "sending", TicketMessage.delivery_updated_at < stale)),
    ).values(delivery_status="sending", delivery_updated_at=utcnow())).rowcount
    db.session.commit()
    return bool(claimed)


def _set(message, status: str, error: str | None) -> None:
    message.delivery_status, message.delivery_error = status, (error or None) and error[:500]
    message.delivery_updated_at = utcnow()


def update_status(account, external_id: str, status: str, error: str | None = None) -> bool:
    """A provider's status callback for one of our messages; False when we never sent that id."""
    from sqlalchemy import select

    from portal.tickets.models import Ticket, TicketMessage

    if status not in STATUS_ORDER or not external_id:
        return False
    message = db.session.scalar(select(TicketMessage).join(Ticket, Ticket.id == TicketMessage.ticket_id).where(
        TicketMessage.external_id == external_id[:255], Ticket.channel_account_id == account.id).limit(1))
    if message is None:
        return False
    current = STATUS_ORDER.get(message.delivery_status or "queued", 0)
    if STATUS_ORDER[status] >= current or status in ("failed", "undelivered"):
        _set(message, status, error if status in ("failed", "undelivered") else None)
        db.session.flush()
    return True


def retry(message) -> bool:
    """An agent's "retry" on a failed reply: queued again; False when there is nothing to redo."""
    from portal.tickets.models import Ticket

    if message.delivery_status not in ("failed", "undelivered"):
        return False
    queue_reply(db.session.get(Ticket, message.ticket_id), message)
    return True
