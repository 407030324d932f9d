"""Meta's 24-hour customer-care window: a business may write freely for 24 hours after the customer's last
message on the conversation. Outside it WhatsApp takes only an approved template; Messenger and Instagram
take nothing until the customer writes again (message tags are not used)."""
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.channels.delivery import ComposerHint
from portal.channels.meta import services
from portal.channels.meta.receive import CHANNEL_NAMES
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import AuthorKind, MessageKind, TicketMessage

WINDOW = timedelta(hours=24)


def closes_at(ticket) -> datetime | None:
    """When the window on this ticket closes (its last customer message + 24 h); None if they never wrote."""
    last = db.session.scalar(select(func.max(TicketMessage.created_at)).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.author_kind == AuthorKind.CUSTOMER,
        TicketMessage.kind == MessageKind.PUBLIC))
    return last + WINDOW if last else None


def is_open(ticket, now: datetime | None = None) -> bool:
    until = closes_at(ticket)
    return until is not None and (now or utcnow()) < until


def _closed_notice(until) -> str:
    if until is None:
        return _("The customer has not written in the last 24 hours; only an approved template can be sent.")
    return _("The 24-hour window closed at %(time)s; only an approved template can be sent.",
             time=format_datetime(until, "short"))


def whatsapp_hint(account, ticket) -> ComposerHint:
    """Inside the window: until when; outside: the notice, with the templates to choose from."""
    templates = [(services.template_value(t), f"{t['name']} ({t['language']}): {t['body'][:80]}")
                 for t in services.templates_of(account)]
    until = closes_at(ticket)
    if is_open(ticket):
        return ComposerHint(notice=_("The 24-hour window is open until %(time)s.",
                                     time=format_datetime(until, "short")), templates=templates)
    notice = _closed_notice(until)
    if not templates:
        notice += " " + _("No template is set up for this WhatsApp number yet: add one in the channel's settings.")
    return ComposerHint(notice=notice, templates=templates, template_required=True)


def check_whatsapp(account, ticket, meta: dict) -> None:
    """Refuse a template the number does not have, and a free-form reply outside the window."""
    chosen = meta.get("template")
    if chosen and services.find_template(account, chosen) is None:
        raise ValidationError(_("Choose one of the approved templates of this WhatsApp number."), field="template")
    if chosen or is_open(ticket):
        return
    if not services.templates_of(account):
        raise ValidationError(_closed_notice(closes_at(ticket)) + " " + _(
            "No template is set up for this WhatsApp number yet: add one in the channel's settings."), field="body")
    raise ValidationError(_closed_notice(closes_at(ticket)) + " " + _("Choose one in “Message template”."),
                          field="template")


def _messaging_closed(account, until) -> str:
    channel = CHANNEL_NAMES[account.kind]
    if until is None:
        return _("%(channel)s allows replies only within 24 hours of the customer's last message: "
                 "you can reply once the customer writes again.", channel=channel)
    return _("%(channel)s allows replies only within 24 hours of the customer's last message; that window "
             "closed at %(time)s: you can reply once the customer writes again.",
             channel=channel, time=format_datetime(until, "short"))


def messaging_hint(account, ticket) -> ComposerHint:
    """Messenger and Instagram: Meta's standard messaging window, 24 hours."""
    until = closes_at(ticket)
    if is_open(ticket):
        return ComposerHint(notice=_("%(channel)s allows replies for 24 hours after the customer's last "
                                     "message: open until %(time)s.", channel=CHANNEL_NAMES[account.kind],
                                     time=format_datetime(until, "short")))
    return ComposerHint(notice=_messaging_closed(account, until))


def check_messaging(account, ticket, meta: dict) -> None:
    if not is_open(ticket):
        raise ValidationError(_messaging_closed(account, closes_at(ticket)), field="body")
