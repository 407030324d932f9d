"""Every change to a ticket goes through here: views, CLI, API and channel ingesters call these.

Services check who may act, log an event, bump the ticket's version, queue mail and flush; the caller commits.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.accounts.queries import user_by_email
from portal.accounts.services import valid_email
from portal.channels import contacts
from portal.channels import delivery as channel_delivery
from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.inputs import parse_id
from portal.models_base import utcnow
from portal.signals import ticket_changed
from portal.text import clean_tags
from portal.tickets import attachments as files
from portal.tickets import notifications
from portal.tickets.access import customer_can_see, staff_can_see
from portal.tickets.models import (
    MESSAGING_CHANNELS, NUMBER_OFFSET, PRIORITY_RANK, UNSOLVED, AuthorKind, Channel, MessageKind, Priority, Status,
    Ticket, TicketEvent, TicketGroup, TicketMessage, TicketTag,
)

TOPICS = ("order", "shipping", "returns", "payment", "product", "account", "other",
          "where_is_my_order", "return_exchange", "damaged_wrong", "cancel")
MAX_BODY = 50_000
MAX_EMAIL_BODY = 1_000_000  # mail is stored whole (long order histories, pasted logs)
# (required, too long) per text field; "too long" takes %(num)d, the limit.
TEXT_ERRORS = {
    "subject": (_l("Subject is required."), _l("Subject is too long (at most %(num)d characters).")),
    "message": (_l("Message is required."), _l("Message is too long (at most %(num)d characters).")),
    "note": (_l("Note is required."), _l("Note is too long (at most %(num)d characters).")),
}


class StaleTicket(Conflict):
    """The ticket changed since the form was loaded; `changes` lists the events the user has not seen."""

    def __init__(self, ticket: Ticket, since_version: int):
        super().__init__(_("This ticket changed while you were working on it. Review the changes and confirm."))
        self.ticket = ticket
        self.since_version = since_version


def changes_since(ticket: Ticket, version: int) -> list[TicketEvent]:
    """Committed events after `version`: what a user with a stale form has not seen."""
    return list(db.session.scalars(
        db.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.version > version)
        .order_by(TicketEvent.id)))


# --- helpers ------------------------------------------------------------------------------------

def _text(value: str | None, field: str, kind: str, limit: int) -> str:
    """The trimmed text, or ValidationError on `field` with the messages of TEXT_ERRORS[kind]."""
    required, too_long = TEXT_ERRORS[kind]
    value = (value or "").strip()
    if not value:
        raise ValidationError(required, field=field)
    if len(value) > limit:
        raise ValidationError(str(too_long) % {"num": limit}, field=field)
    return value


def _touch(ticket: Ticket) -> None:
    ticket.version = (ticket.version or 1) + 1
    ticket.updated_at = utcnow()


def _event(ticket: Ticket, actor: User | None, kind: str, old=None, new=None) -> None:
    db.session.add(TicketEvent(ticket_id=ticket.id, actor_id=getattr(actor, "id", None), kind=kind,
                               old=None if old is None else str(old)[:200],
                               new=None if new is None else str(new)[:200], version=ticket.version))


def check_version(ticket: Ticket, expected_version: int | None) -> None:
    """Raise StaleTicket when the ticket moved past the version the user's form was built on."""
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicket(ticket, expected_version)


def _require_staff(actor: User | None, ticket: Ticket) -> None:
    """Agents outside their scope get NotFound: a guessed number reveals nothing."""
    if actor is None or not staff_can_see(actor, ticket):
        raise NotFound(_("We could not find that ticket."))


def get_ticket(number, *, viewer: User | None = None, staff: bool = False) -> Ticket:
    """The ticket with this number if `viewer` may see it (as staff or as its requester), else NotFound."""
    number = parse_id(str(number).strip().lstrip("#"))
    ticket = db.session.get(Ticket, number - NUMBER_OFFSET) if number and number > NUMBER_OFFSET else None
    if ticket is None:
        raise NotFound(_("We could not find that ticket."))
    if viewer is not None:
        allowed = staff_can_see(viewer, ticket) if staff else customer_can_see(viewer, ticket)
        if not allowed:
            raise NotFound(_("We could not find that ticket."))
    return ticket


def _add_message(ticket, *, body, kind, author, author_kind, channel, checked_files=(),
                 body_html=None, external_id=None, meta=None) -> TicketMessage:
    message = TicketMessage(ticket_id=ticket.id, kind=kind, author_id=getattr(author, "id", None),
                            author_kind=author_kind, channel=channel, body=body, body_html=body_html,
                            external_id=external_id, meta=meta or None, created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    files.store(message, list(checked_files))
    ticket.message_count = (ticket.message_count or 0) + 1
    db.session.flush()
    return message


# --- opening ------------------------------------------------------------------------------------

def open_ticket(*, subject: str, body: str, channel: Channel | str, requester: User | None = None,
                email: str | None = None, name: str = "", actor: User | None = None, topic: str | None = None,
                priority: Priority | str = Priority.NORMAL, group: TicketGroup | None = None,
                attachments=(), order_id: int | None = None, store_id: int | None = None,
                follow_up_of: Ticket | None = None, notify: bool = True, locale: str | None = None,
                mailbox_id: int | None = None, body_html: str | None = None,
                external_id: str | None = None, contact_id: int | None = None,
                channel_account_id: int | None = None, channel_address: str | None = None,
                meta: dict | None = None) -> Ticket:
    """Open a ticket from any channel; a guest is known by email until they verify that address.

    A messaging channel (SMS, WhatsApp, chat...) may open one without an email: `contact_id` names the
    customer record, `channel_account_id` and `channel_address` where the replies go back.

    Emits ticket_changed(kind="opened"); mails the requester a receipt and the group's agents.
    """
    subject = _text(subject, "subject", "subject", 200)
    channel = Channel(channel)
    body = _text(body, "body", "message", MAX_EMAIL_BODY if channel == Channel.EMAIL else MAX_BODY)
    if topic and topic not in TOPICS:
        raise ValidationError(_("Choose a topic from the list."), field="topic")
    if requester is None and not email and contact_id and channel in MESSAGING_CHANNELS + (Channel.PHONE,):
        email = ""  # reached by phone number or provider id only; no receipt mail
    elif requester is None:
        email = valid_email(email)
        known = user_by_email(email)
        requester = known if known is not None and known.email_verified else None
    checked = files.check_files(attachments)
    if contact_id is None:  # the customer record every channel shares (see portal/channels/contacts.py)
        contact_id = contacts.contact_for("email", requester.email if requester else email, name=name,
                                          user=requester, account_checked=True).id
    staff_opened = actor is not None and actor.is_staff and actor != requester
    ticket = Ticket(subject=subject, requester_id=getattr(requester, "id", None),
                    requester_email=requester.email if requester else email,
                    requester_name=((requester.name if requester else "") or (name or "").strip())[:120],
                    channel=channel, topic=topic or None, priority=Priority(priority),
                    priority_rank=PRIORITY_RANK[Priority(priority)], group_id=getattr(group, "id", None),
                    locale=locale, order_id=order_id, store_id=store_id, follow_up_of_id=getattr(follow_up_of, "id", None),
                    mailbox_id=mailbox_id, contact_id=contact_id, channel_account_id=channel_account_id,
                    channel_address=channel_address,
                    status=Status.NEW, version=1, created_at=utcnow(), updated_at=utcnow(), waiting_since=utcnow(),
                    status_changed_at=utcnow(), last_customer_message_at=None if staff_opened else utcnow())
    db.session.add(ticket)
    db.session.flush()
    staff_author = staff_opened
    _add_message(ticket, body=body, kind=MessageKind.PUBLIC, author=actor if staff_author else requester,
                 author_kind=AuthorKind.AGENT if staff_author else AuthorKind.CUSTOMER, channel=channel,
                 checked_files=checked, body_html=body_html, external_id=external_id, meta=meta)
    _event(ticket, actor or requester, "created", None, channel.value)
    if follow_up_of is not None:
        _event(ticket, actor or requester, "follow_up", None, f"#{follow_up_of.number}")
    if notify:
        notifications.ticket_opened(ticket)
    ticket_changed.send(ticket, kind="opened", actor=actor or requester)
    return ticket


# --- conversation -------------------------------------------------------------------------------

def add_reply(ticket: Ticket, *, body: str, author: User | None, channel: Channel | str | None = None,
              attachments=(), status: Status | str | None = None, expected_version: int | None = None,
              guest_email: str | None = None, trusted_sender: bool = False,
              body_html: str | None = None, external_id: str | None = None,
              meta: dict | None = None, acknowledgement: bool = False) -> TicketMessage:
    """A public reply by the requester (account or guest link) or by an agent.

    `trusted_sender`: the channel checked that the sender takes part in the conversation (email threading
    by headers or token, the phone number or provider id of a messaging conversation).
    `meta`: channel details kept on the message (a location, a call, the WhatsApp template an agent chose).

    A customer reply reopens pending/on-hold/solved tickets; on a closed ticket it opens a follow-up ticket
    and returns the message there. An agent reply may set the status ("send and set").
    `acknowledgement` (automation's out-of-hours reply): sent like an agent's reply but not the team's answer:
    the first response, the wait for our reply and the status stay as they were.
    """
    body = _text(body, "body", "message", MAX_EMAIL_BODY if channel == Channel.EMAIL else MAX_BODY)
    is_agent = author is not None and author.is_staff and author.id != ticket.requester_id
    if is_agent:
        _require_staff(author, ticket)
        check_version(ticket, expected_version)
        channel_delivery.check_can_send(ticket, meta, body)  # an opted-out number, WhatsApp's 24-hour window
    elif not (customer_can_see(author, ticket) or (author is None and guest_email == ticket.requester_email)
              or (author is None and trusted_sender)):
        raise NotFound(_("We could not find that ticket."))
    checked = files.check_files(attachments)
    if ticket.merged_into_id:
        raise ValidationError(_("This request was merged into #%(number)s; reply there.",
                                number=ticket.merged_into_id + NUMBER_OFFSET), field="body")
    if not is_agent and ticket.status == Status.CLOSED:
        return _follow_up(ticket, body=body, author=author, channel=channel, checked=checked, body_html=body_html,
                          external_id=external_id, meta=meta)
    channel = Channel(channel or (Channel.STAFF if is_agent else Channel.PORTAL))
    message = _add_message(ticket, body=body, kind=MessageKind.PUBLIC, author=author,
                           author_kind=AuthorKind.AGENT if is_agent else AuthorKind.CUSTOMER,
                           channel=channel, checked_files=checked, body_html=body_html, external_id=external_id,
                           meta=meta)
    _touch(ticket)
    if is_agent:
        if ticket.first_replied_at is None and not acknowledgement:
            ticket.first_replied_at = message.created_at
        if not acknowledgement:
            ticket.waiting_since = message.created_at
        _event(ticket, author, "reply", None, None)
        if status and status not in Status._value2member_map_:
            raise ValidationError(_("Choose a status from the list."), field="status")
        opened = Status.OPEN if ticket.status == Status.NEW and not acknowledgement else ticket.status
        new_status = Status(status) if status else opened
        if new_status == Status.CLOSED:
            raise ValidationError(_("Solve the ticket first; it closes later."), field="status")
        _set_status(ticket, new_status, author)
        notifications.agent_replied(ticket, message)
    else:
        ticket.waiting_since = ticket.last_customer_message_at = message.created_at
        _event(ticket, author, "customer_reply", None, None)
        if ticket.status in (Status.PENDING, Status.ON_HOLD, Status.SOLVED):
            if ticket.status == Status.SOLVED:
                _event(ticket, author, "reopen", Status.SOLVED.value, Status.OPEN.value)
            _set_status(ticket, Status.OPEN, author)
        notifications.customer_replied(ticket, message)
    ticket_changed.send(ticket, kind="reply", actor=author)
    db.session.flush()
    return message


def _follow_up(ticket, *, body, author, channel, checked, body_html=None, external_id=None,
               meta=None) -> TicketMessage:
    subject = ticket.subject if ticket.subject.lower().startswith("re:") else f"Re: {ticket.subject}"
    follow = Ticket(subject=subject[:200], requester_id=ticket.requester_id, requester_email=ticket.requester_email,
                    requester_name=ticket.requester_name, channel=Channel(channel or ticket.channel),
                    locale=ticket.locale,
                    topic=ticket.topic, priority=ticket.priority, priority_rank=ticket.priority_rank,
                    group_id=ticket.group_id, assignee_id=ticket.assignee_id, order_id=ticket.order_id,
                    store_id=ticket.store_id, mailbox_id=ticket.mailbox_id, follow_up_of_id=ticket.id,
                    contact_id=ticket.contact_id, channel_account_id=ticket.channel_account_id,
                    channel_address=ticket.channel_address, status=Status.NEW, version=1,
                    status_changed_at=utcnow(), last_customer_message_at=utcnow())
    db.session.add(follow)
    db.session.flush()
    message = _add_message(follow, body=body, kind=MessageKind.PUBLIC, author=author,
                           author_kind=AuthorKind.CUSTOMER, channel=follow.channel, checked_files=checked,
                           body_html=body_html, external_id=external_id, meta=meta)
    _event(follow, author, "created", None, follow.channel.value)
    _event(follow, author, "follow_up", None, f"#{ticket.number}")
    notifications.ticket_opened(follow)
    ticket_changed.send(follow, kind="opened", actor=author)
    return message


def add_note(ticket: Ticket, *, body: str, actor: User, attachments=(),
             expected_version: int | None = None) -> TicketMessage:
    """An internal note: staff only, never shown or mailed to the customer."""
    _require_staff(actor, ticket)
    body = _text(body, "body", "note", MAX_BODY)
    check_version(ticket, expected_version)
    checked = files.check_files(attachments)
    message = _add_message(ticket, body=body, kind=MessageKind.NOTE, author=actor, author_kind=AuthorKind.AGENT,
                           channel=Channel.STAFF, checked_files=checked)
    _touch(ticket)
    _event(ticket, actor, "note", None, None)
    ticket_changed.send(ticket, kind="note", actor=actor)
    return message


def add_system_message(ticket: Ticket, body: str, *, public: bool) -> TicketMessage:
    """A message written by Comptoir itself (merge pointers, automation)."""
    return _add_message(ticket, body=body, kind=MessageKind.PUBLIC if public else MessageKind.NOTE, author=None,
                        author_kind=AuthorKind.SYSTEM, channel=Channel.STAFF)


# --- fields -------------------------------------------------------------------------------------

def _set_status(ticket: Ticket, status: Status, actor: User | None) -> None:
    old = ticket.status
    if old == status:
        return
    ticket.status = status
    now = utcnow()
    ticket.status_changed_at = now
    if status == Status.SOLVED:
        ticket.solved_at = now
    elif status == Status.CLOSED:
        ticket.closed_at = now
    elif old in (Status.SOLVED,):
        ticket.solved_at = None
    _event(ticket, actor, "status", old.value, status.value)


def change_status(ticket: Ticket, status: Status | str, *, actor: User,
                  expected_version: int | None = None) -> None:
    """Set the status as an agent. Closed is final: it can only follow solved, and never reopens."""
    _require_staff(actor, ticket)
    check_version(ticket, expected_version)
    if status not in Status._value2member_map_:
        raise ValidationError(_("Choose a status from the list."), field="status")
    status = Status(status)
    if ticket.status == Status.CLOSED and status != Status.CLOSED:
        raise ValidationError(_("A closed ticket cannot be reopened; a new reply opens a follow-up."),
                              field="status")
    if status == Status.CLOSED and ticket.status != Status.SOLVED:
        raise ValidationError(_("Only solved tickets can be closed."), field="status")
    if status == ticket.status:
        return
    was_solved = ticket.status == Status.SOLVED
    _touch(ticket)
    _set_status(ticket, status, actor)
    if status == Status.SOLVED:
        notifications.ticket_solved(ticket)
    elif was_solved and status != Status.CLOSED:
        _event(ticket, actor, "reopen", Status.SOLVED.value, status.value)
    ticket_changed.send(ticket, kind="status", actor=actor)


def customer_mark_solved(ticket: Ticket, *, user: User | None, guest_email: str | None = None) -> None:
    """The requester says their question is answered."""
    if not (customer_can_see(user, ticket) or (user is None and guest_email == ticket.requester_email)):
        raise NotFound(_("We could not find that ticket."))
    if ticket.status not in UNSOLVED:
        return
    _touch(ticket)
    _set_status(ticket, Status.SOLVED, user)
    ticket_changed.send(ticket, kind="status", actor=user)


def set_priority(ticket: Ticket, priority: Priority | str, *, actor: User,
                 expected_version: int | None = None) -> None:
    """Change the priority (urgent tickets sort first in every queue)."""
    _require_staff(actor, ticket)
    check_version(ticket, expected_version)
    if priority not in Priority._value2member_map_:
        raise ValidationError(_("Choose a priority from the list."), field="priority")
    priority = Priority(priority)
    if priority == ticket.priority:
        return
    _touch(ticket)
    _event(ticket, actor, "priority", ticket.priority.value, priority.value)
    ticket.priority, ticket.priority_rank = priority, PRIORITY_RANK[priority]
    ticket_changed.send(ticket, kind="priority", actor=actor)


def assign(ticket: Ticket, assignee: User | None, *, actor: User, expected_version: int | None = None) -> None:
    """Assign to an agent (or nobody); the new assignee is mailed unless they assigned themselves."""
    from portal.permissions import can

    _require_staff(actor, ticket)
    check_version(ticket, expected_version)
    if assignee is not None and not can(assignee, "tickets.work"):
        raise ValidationError(_("Tickets can only be assigned to agents and managers."), field="assignee")
    if getattr(assignee, "id", None) == ticket.assignee_id:
        return
    old = ticket.assignee.display_name if ticket.assignee else None
    _touch(ticket)
    ticket.assignee_id = getattr(assignee, "id", None)
    ticket.assignee = assignee
    _event(ticket, actor, "assignee", old, assignee.display_name if assignee else None)
    if ticket.status == Status.NEW and assignee is not None:
        _set_status(ticket, Status.OPEN, actor)
    if assignee is not None and assignee.id != actor.id:
        notifications.ticket_assigned(ticket, assignee)
    ticket_changed.send(ticket, kind="assignee", actor=actor)


def set_group(ticket: Ticket, group: TicketGroup | None, *, actor: User | None,
              expected_version: int | None = None) -> None:
    """Move the ticket to a team; its members are told about new tickets."""
    if actor is not None:
        _require_staff(actor, ticket)
    check_version(ticket, expected_version)
    if getattr(group, "id", None) == ticket.group_id:
        return
    old = ticket.group.name if ticket.group else None
    _touch(ticket)
    ticket.group_id, ticket.group = getattr(group, "id", None), group
    _event(ticket, actor, "group", old, group.name if group else None)
    ticket_changed.send(ticket, kind="group", actor=actor)


def set_tags(ticket: Ticket, tags, *, actor: User | None, expected_version: int | None = None) -> None:
    """Replace the tags (normalised: lower case, unique)."""
    if actor is not None:
        _require_staff(actor, ticket)
    check_version(ticket, expected_version)
    new = clean_tags(tags)
    old = ticket.tags
    if sorted(new) == sorted(old):
        return
    _touch(ticket)
    ticket.tag_rows = [row for row in ticket.tag_rows if row.tag in new] + [
        TicketTag(ticket_id=ticket.id, tag=tag) for tag in new if tag not in old]
    _event(ticket, actor, "tags", ", ".join(old), ", ".join(new))
    ticket_changed.send(ticket, kind="tags", actor=actor)


def set_order(ticket: Ticket, order, *, actor: User | None) -> None:
    """Link the ticket to an order (or unlink with None); logged on the timeline."""
    if actor is not None and actor.is_staff:
        _require_staff(actor, ticket)
    new_id = getattr(order, "id", None)
    if new_id == ticket.order_id:
        return
    _touch(ticket)
    _event(ticket, actor, "order", ticket.order_id and f"order {ticket.order_id}",
           order and f"order {order.number}")
    ticket.order_id, ticket.store_id = new_id, getattr(order, "store_id", None)
    ticket_changed.send(ticket, kind="order", actor=actor)


def claim_guest_tickets(user: User) -> int:
    """Join the tickets opened as a guest with this (now verified) address to the account."""
    tickets = db.session.scalars(db.select(Ticket).where(Ticket.requester_email == user.email,
                                                         Ticket.requester_id.is_(None))).all()
    for ticket in tickets:
        ticket.requester_id = user.id
        _event(ticket, user, "requester", None, user.email)
    db.session.flush()
    return len(tickets)


def _on_email_verified(user, **_):
    if not user.is_staff:
        claim_guest_tickets(user)


def init_app(app):
    from portal.signals import email_verified

    email_verified.connect(_on_email_verified)
