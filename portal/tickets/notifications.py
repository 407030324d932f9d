"""Ticket mail to customers and agents, threaded in mail clients ([#1042] subjects, Message-ID chains)."""
from contextlib import nullcontext

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.mail import queue_email
from portal.channels.email import outbound as email_outbound
from portal.tickets import links
from portal.channels import delivery as channel_delivery
from portal.tickets.models import MESSAGING_CHANNELS, Channel, EmailPreference, Ticket, TicketMessage, group_members


def _domain() -> str:
    return current_app.config.get("MAIL_DOMAIN") or (current_app.config.get("SERVER_NAME") or
                                                       "comptoir.localhost").split(":")[0]


def root_message_id(ticket: Ticket) -> str:
    """The thread's anchor: every mail about the ticket refers to it."""
    return f"<ticket-{ticket.number}@{_domain()}>"


def message_id_for(ticket: Ticket, message: TicketMessage | None, recipient_id=None) -> str:
    part = f".m{message.id}" if message is not None else ".receipt"
    who = f".u{recipient_id}" if recipient_id else ""
    return f"<ticket-{ticket.number}{part}{who}@{_domain()}>"


def wants_notifications(email: str) -> bool:
    pref = db.session.get(EmailPreference, email)
    return pref is None or pref.ticket_notifications


def _locale_for(ticket: Ticket) -> str | None:
    return (ticket.requester.locale if ticket.requester else None) or ticket.locale


def _send(*, to: str, ticket: Ticket, template: str, subject: str, message: TicketMessage | None = None,
          message_id: str | None = None, locale: str | None = None, auto_submitted: str | None = "auto-generated",
          envelope: dict | None = None, **context) -> None:
    """Queue one ticket mail; `envelope` (email tickets) sets sender, Reply-To, CC and threading headers."""
    root = root_message_id(ticket)
    unsubscribe = links.unsubscribe_link(to)
    envelope = dict(envelope or {})
    headers = {"References": root, "In-Reply-To": root, **envelope.pop("headers", {}),
               "List-Unsubscribe": f"<{links.one_click_link(to)}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    if auto_submitted:  # RFC 3834: machines must not answer it; a person's reply carries none
        headers["Auto-Submitted"] = auto_submitted
    with force_locale(locale) if locale else nullcontext():
        queue_email(to=to, template=template, subject=f"[#{ticket.number}] {ticket.subject}",
                    headers=headers, message_id=message_id or message_id_for(ticket, message),
                    ticket=ticket, message=message, unsubscribe_link=unsubscribe, heading=str(subject),
                    **envelope, **context)


def _first_message(ticket: Ticket) -> TicketMessage | None:
    return db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                             .order_by(TicketMessage.id).limit(1))


def ticket_opened(ticket: Ticket) -> None:
    """Receipt to the requester (number, copy, link); new-ticket alert to the group's agents.

    A conversation on a messaging channel gets no mailed receipt (the customer is on their phone's app).
    """
    first = _first_message(ticket)
    locale = _locale_for(ticket)
    if ticket.requester_email and ticket.channel not in MESSAGING_CHANNELS + (Channel.PHONE,):
        with force_locale(locale) if locale else nullcontext():
            heading = _("We received your request")
        _send(to=ticket.requester_email, ticket=ticket, template="ticket_received", subject=heading,
              message=first, message_id=root_message_id(ticket), locale=locale, link=links.customer_link(ticket),
              auto_submitted="auto-replied", envelope=_receipt_envelope(ticket, first))
    if ticket.group_id:
        members = db.session.scalars(select(group_members.c.user_id).where(
            group_members.c.group_id == ticket.group_id))
        _alert_agents(ticket, first, list(members), _l("New ticket in your group"))


def withdraw_receipt(ticket: Ticket) -> bool:
    """Drop the receipt still queued for `ticket` (an auto-reply that says the same went out instead), so the
    customer gets one automatic mail, not two; False when there is none or it has left already."""
    from portal.mail import MailStatus, OutgoingMail

    receipt = db.session.scalar(select(OutgoingMail).where(
        OutgoingMail.ticket_id == ticket.id, OutgoingMail.message_id == root_message_id(ticket),
        OutgoingMail.status == MailStatus.QUEUED))
    if receipt is None:
        return False
    db.session.delete(receipt)  # its delivery job finds nothing to send
    return True


def _alert_agents(ticket, message, user_ids, heading) -> None:
    """Mail each agent among `user_ids` who wants notifications; `heading` (lazy) is read in their language."""
    from portal.accounts.models import User
    from portal.permissions import can

    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        if not can(user, "tickets.work") or not wants_notifications(user.email):
            continue
        with force_locale(user.locale) if user.locale else nullcontext():
            title = str(heading)
        _send(to=user.email, ticket=ticket, template="agent_alert", subject=title, message=message,
              message_id=message_id_for(ticket, message, user.id), locale=user.locale,
              link=links.staff_link(ticket), agent=user)


def agent_replied(ticket: Ticket, message: TicketMessage) -> None:
    """The reply itself goes to the requester (always: it is the conversation): back through the provider
    of a messaging conversation (SMS, WhatsApp, chat...), else by mail."""
    if channel_delivery.handles(ticket):
        channel_delivery.queue_reply(ticket, message)
        return
    email_reply(ticket, message)


def email_reply(ticket: Ticket, message: TicketMessage) -> None:
    """An agent's reply as a threaded mail to the requester (also a chat's fallback when the visitor left)."""
    if not ticket.requester_email:
        return
    locale = _locale_for(ticket)
    with force_locale(locale) if locale else nullcontext():
        heading = _("%(name)s replied to your request", name=message.author.display_name if message.author
                    else current_app.config["SITE_NAME"])
    from portal.permissions import SYSTEM_EMAIL

    automatic = message.author is not None and message.author.email == SYSTEM_EMAIL  # a rule's reply (RFC 3834)
    _send(to=ticket.requester_email, ticket=ticket, template="ticket_reply", subject=heading, message=message,
          locale=locale, link=links.customer_link(ticket), auto_submitted="auto-replied" if automatic else None,
          envelope=email_outbound.reply_envelope(ticket, message, root_message_id(ticket)))


def _receipt_envelope(ticket: Ticket, first: TicketMessage | None) -> dict:
    """A receipt for a mailed request answers that mail (threaded on it) from the mailbox it came to."""
    if first is None or not first.external_id or ticket.channel != Channel.EMAIL:
        return {}
    envelope = email_outbound.reply_envelope(ticket, first, root_message_id(ticket))
    envelope["headers"] = {"In-Reply-To": first.external_id, "References": first.external_id}
    envelope.update(quote=None, signature=None, record_delivery=False, cc=[])
    return envelope


def customer_replied(ticket: Ticket, message: TicketMessage) -> None:
    """Tell the assignee their customer wrote back."""
    if ticket.assignee_id:
        _alert_agents(ticket, message, [ticket.assignee_id], _l("Your customer replied"))


def ticket_assigned(ticket: Ticket, assignee) -> None:
    _alert_agents(ticket, _first_message(ticket), [assignee.id],
                  _l("A ticket was assigned to you"))


def ticket_solved(ticket: Ticket) -> None:
    """Tell the requester it is solved and how to reopen it (unless they turned notifications off)."""
    if not ticket.requester_email or not wants_notifications(ticket.requester_email):
        return
    locale = _locale_for(ticket)
    with force_locale(locale) if locale else nullcontext():
        heading = _("Your request was solved")
    _send(to=ticket.requester_email, ticket=ticket, template="ticket_solved", subject=heading,
          message_id=message_id_for(ticket, None).replace(".receipt", f".solved{ticket.version}"),
          locale=locale, link=links.customer_link(ticket))


def set_preference(email: str, *, ticket_notifications: bool, forum_notifications: bool | None = None) -> None:
    """Turn ticket (and community) notification mail on or off for an address."""
    from portal.models_base import utcnow

    pref = db.session.get(EmailPreference, email) or EmailPreference(email=email, forum_notifications=True)
    pref.ticket_notifications, pref.updated_at = ticket_notifications, utcnow()
    if forum_notifications is not None:
        pref.forum_notifications = forum_notifications
    db.session.add(pref)
    db.session.flush()
