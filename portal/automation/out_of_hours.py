"""The out-of-hours auto-reply: a request written while the team is away is told, in the customer's language,
when the team is back (the next opening of the ticket's business-hours calendar, as {{ team.back_at }} says).

It acknowledges, it does not answer: the ticket keeps its status, still waits for our reply and its first-response
target keeps running (tickets.services.add_reply(acknowledgement=True)). Rules call it; the engine never lets a
rule write to automatic or flagged mail.
"""
from contextlib import nullcontext

from flask_babel import force_locale
from flask_babel import gettext as _


def acknowledge(ticket, *, actor) -> str | None:
    """Tell the requester when the team is back; returns why nothing was sent ("answered": someone already
    replied; "open": the team is at work now or the calendar is 24/7), or None once the reply is queued."""
    from portal.tickets import macros
    from portal.tickets import services as tickets
    from portal.tickets.notifications import _locale_for, withdraw_receipt

    if ticket.first_replied_at is not None:
        return "answered"
    locale = _locale_for(ticket)
    with force_locale(locale) if locale else nullcontext():
        back_at = macros.team_back_at(ticket)
        if not back_at:
            return "open"
        body = reply_text(back_at)
    tickets.add_reply(ticket, body=body, author=actor, acknowledgement=True)
    withdraw_receipt(ticket)  # the auto-reply says "received" too: one automatic mail, not two
    return None


def reply_text(back_at: str) -> str:
    """The auto-reply in the current language."""
    away = _("Our team is away right now. We will be back on %(when)s and will answer you as soon as we can.",
             when=back_at)
    return "\n".join([_("Hello,"), "", _("Thank you for your message, we have received it."), away])
