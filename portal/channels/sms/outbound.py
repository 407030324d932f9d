"""Agents' replies on SMS tickets: what the composer says, what is refused before anything is stored
(an opted-out number, a body over Twilio's 1600 characters), and the send through Twilio's Messages API."""
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.channels import accounts, delivery
from portal.channels.delivery import ComposerHint, DeliveryFailed
from portal.channels.models import ChannelAccount
from portal.channels.sms import services, twilio
from portal.errors import ValidationError
from portal.tickets.models import AuthorKind, MessageKind, Ticket, TicketMessage

MAX_LENGTH = 1600  # Twilio's limit for one message body (it splits it into segments itself)


def length(body: str) -> int:
    """Characters as Twilio counts them (UTF-16 code units: an emoji counts two)."""
    return len((body or "").encode("utf-16-le")) // 2


def check_length(body: str) -> None:
    if length(body) > MAX_LENGTH:
        raise ValidationError(_("An SMS can be at most %(max)d characters; this one has %(num)d. Shorten it.",
                                max=MAX_LENGTH, num=length(body)), field="body")


def _opted_out_error() -> ValidationError:
    return ValidationError(_("This number replied STOP: it gets no SMS from us until it replies START. Add an "
                             "internal note, or reach the customer another way."), field="body")


def check(account: ChannelAccount, ticket: Ticket, meta: dict) -> None:
    """Refuse a reply to a number that opted out (shown on the composer's message field)."""
    if services.opted_out(account, ticket.channel_address):
        raise _opted_out_error()


def composer(account: ChannelAccount, ticket: Ticket) -> ComposerHint:
    if services.opted_out(account, ticket.channel_address):
        return ComposerHint(notice=_("This number replied STOP: SMS replies cannot be sent until it replies "
                                     "START."))
    return ComposerHint(notice=_("Replies go out by SMS from %(number)s: at most %(max)d characters, without "
                                 "attachments.", number=account.address, max=MAX_LENGTH))


def send(account: ChannelAccount, ticket: Ticket, message: TicketMessage) -> str:
    """POST the reply to Twilio; its message sid. Twilio's 4xx are final, 5xx and network errors retried."""
    base, sid, token = services.credentials(account)
    if not sid or not token:
        raise DeliveryFailed(_("This SMS number has no Twilio credentials."), permanent=True)
    if services.opted_out(account, ticket.channel_address):
        raise DeliveryFailed(_opted_out_error().message, permanent=True)
    if length(message.body) > MAX_LENGTH:
        raise DeliveryFailed(_("An SMS can be at most %(max)d characters.", max=MAX_LENGTH), permanent=True)
    try:
        created = twilio.send_message(base, sid, token, to=ticket.channel_address, body=message.body,
                                      sender=account.address,
                                      service_sid=accounts.setting(account, "messaging_service_sid"),
                                      status_callback=services.hook_url(account, "status"))
    except twilio.TwilioError as exc:
        raise DeliveryFailed(exc.message, permanent=exc.permanent) from None
    if not created.get("sid"):
        raise DeliveryFailed(_("Twilio did not say which message it created."))
    return created["sid"]


@event.listens_for(Session, "before_flush")
def _refuse_long_replies(session, flush_context, instances):
    """An agent's reply on an SMS ticket longer than Twilio takes is refused before it is stored.

    Here rather than in check(), which is not given the body: every way of replying (composer, macros,
    bulk, API) stores the message through the session, so the rule holds for all of them.
    """
    for item in session.new:
        if (isinstance(item, TicketMessage) and item.kind == MessageKind.PUBLIC
                and item.author_kind == AuthorKind.AGENT and length(item.body) > MAX_LENGTH):
            ticket = session.get(Ticket, item.ticket_id)
            account = session.get(ChannelAccount, ticket.channel_account_id) if ticket and \
                ticket.channel_account_id else None
            if account is not None and account.kind == services.KIND:
                check_length(item.body)


delivery.register(services.KIND, send=send, check=check, composer=composer)
