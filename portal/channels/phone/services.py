"""Phone lines (a phone system's call events): saved with their webhook token encrypted, shown masked."""
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import accounts
from portal.channels.models import ChannelAccount, ChannelEvent
from portal.channels.phone.aircall import TOKEN_KEY
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets.models import NUMBER_OFFSET, Ticket, TicketGroup

KIND = "phone"


def save_phone_account(account: ChannelAccount | None, *, name: str, webhook_token: str | None = None,
                       group_id: int | None = None, enabled: bool = True) -> tuple[ChannelAccount, str | None]:
    """Create or change a phone line; returns it and the token when one was generated (to show once).

    A new line without a token gets a generated one; an empty token on a change keeps the stored one.
    """
    if group_id and db.session.get(TicketGroup, group_id) is None:
        raise ValidationError(_("Choose a group from the list."), field="group_id")
    token = (webhook_token or "").strip()
    if token and not 8 <= len(token) <= 200:
        raise ValidationError(_("A webhook token has 8 to 200 characters."), field="webhook_token")
    generated = None
    if account is None and not token:
        token = generated = secrets.token_urlsafe(32)
    saved = accounts.save_account(kind=KIND, name=name, group_id=group_id, enabled=enabled, account=account,
                                  secrets={TOKEN_KEY: token})
    return saved, generated


def rotate_token(account: ChannelAccount) -> str:
    """Replace the webhook token with a generated one, returned once."""
    token = secrets.token_urlsafe(32)
    accounts.save_account(kind=KIND, name=account.name, address=account.address, group_id=account.group_id,
                          enabled=account.enabled, account=account, secrets={TOKEN_KEY: token})
    return token


def recent_events(account: ChannelAccount, limit: int = 20) -> list[tuple[ChannelEvent, int | None]]:
    """The line's last call events, newest first, each with its ticket's number (or None)."""
    rows = db.session.execute(select(ChannelEvent, Ticket.id).outerjoin(Ticket, Ticket.id == ChannelEvent.ticket_id)
                              .where(ChannelEvent.account_id == account.id)
                              .order_by(ChannelEvent.id.desc()).limit(limit))
    return [(event, ticket_id + NUMBER_OFFSET if ticket_id else None) for event, ticket_id in rows]
