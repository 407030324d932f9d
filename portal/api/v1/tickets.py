"""/api/v1/tickets: the queue as the token's user may see it, a ticket with its thread, and every change
through portal/tickets/services.py (and bulk.merge), exactly as the desk makes them."""
from flask import Blueprint
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.api import present
from portal.api.errors import ApiError
from portal.api.routing import operation, reply
from portal.api.schemas import tickets as schemas
from portal.api.v1 import ticket_list
from portal.errors import NotFound
from portal.extensions import db
from portal.tickets import bulk, queries, services
from portal.tickets.models import Channel, Ticket, TicketGroup

bp = Blueprint("tickets", __name__)
TAG = "Tickets"
NUMBER_ERRORS = (404,)


@bp.get("/tickets")
@operation(scope="tickets:read", operation_id="listTickets", tag=TAG, response=schemas.TicketList,
           query=schemas.TicketListQuery)
def list_tickets(call):
    """List tickets.

    The tickets the token's user may work on (an agent's scope applies), filtered, in (updated_at, id)
    order: `updated_since` and the cursor make a reliable sync."""
    rows, related, cursor = ticket_list.page(call.user, call.query)
    data = [present.ticket_values(row, assignee=related["users"].get(row.assignee_id),
                                  group=related["groups"].get(row.group_id), tags=related["tags"].get(row.id, ()))
            for row in rows]
    return {"data": data, "next_cursor": cursor}


def _detail(call, ticket, *, status: int = 200):
    data = present.ticket(ticket)
    data["messages"] = [present.message(m) for m in queries.thread(ticket, include_notes=call.can("tickets.work"))]
    call.headers.update(present.etag(ticket))
    return reply(data, status=status, headers=call.headers) if status != 200 else data


def _ticket(call, number) -> Ticket:
    return services.get_ticket(number, viewer=call.user, staff=True)


@bp.get("/tickets/<int:number>")
@operation(scope="tickets:read", operation_id="getTicket", tag=TAG, response=schemas.TicketDetail,
           errors=NUMBER_ERRORS)
def get_ticket(call, number):
    """Show a ticket with its messages.

    Internal notes are included: tokens belong to staff. A ticket outside the user's scope is a 404."""
    return _detail(call, _ticket(call, number))


def _group(group_id) -> TicketGroup | None:
    if group_id is None:
        return None
    group = db.session.get(TicketGroup, group_id)
    if group is None:
        raise ApiError(422, _("There is no group with this id."), field="group_id")
    return group


def _agent(user_id) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(422, _("There is no user with this id."), field="assignee_id")
    return user


@bp.post("/tickets")
@operation(scope="tickets:write", operation_id="createTicket", tag=TAG, response=schemas.TicketDetail,
           status=201, body=schemas.TicketCreate,
           fields={"email": "requester.email", "assignee": "assignee_id", "group": "group_id"})
def create_ticket(call):
    """Open a ticket.

    For a requester known by email (their account is used once they verified it). The receipt and the
    group's notifications are mailed as for any new ticket."""
    data = call.body
    ticket = services.open_ticket(
        subject=data.subject, body=data.body, channel=Channel.API, email=data.requester.email,
        name=data.requester.name, actor=call.user if data.author == "agent" else None, topic=data.topic,
        priority=data.priority, group=_group(data.group_id))
    _fields_of_new(call, ticket, data)
    call.headers["Location"] = f"/api/v1/tickets/{ticket.number}"
    return _detail(call, ticket, status=201)


def _fields_of_new(call, ticket, data) -> None:
    """Assignee and tags of a new ticket, set by the token's user (who must be able to work on it)."""
    if data.assignee_id is None and not data.tags:
        return
    assignee = _agent(data.assignee_id)
    try:
        if assignee is not None:
            services.assign(ticket, assignee, actor=call.user)
        if data.tags:
            services.set_tags(ticket, data.tags, actor=call.user)
    except NotFound:
        raise ApiError(422, _("You could not work on this ticket once opened: give it a group of yours or "
                              "leave the assignee and tags to someone who sees it."),
                       field="assignee_id" if assignee is not None else "tags") from None


@bp.patch("/tickets/<int:number>")
@operation(scope="tickets:write", operation_id="updateTicket", tag=TAG, response=schemas.TicketDetail,
           body=schemas.TicketUpdate, errors=NUMBER_ERRORS, if_match=True,
           fields={"assignee": "assignee_id", "group": "group_id"})
def update_ticket(call, number):
    """Change status, priority, group, assignee or tags.

    Only the fields sent change, in the desk's order (status last, so a solve comes after the rest).
    With If-Match, a ticket that changed since that version is refused with 412."""
    ticket = _ticket(call, number)
    services.check_version(ticket, call.if_match)
    data = call.body
    for name in ("status", "priority", "tags"):
        if call.sent(name) and getattr(data, name) is None:
            raise ApiError(422, _("This field cannot be null."), field=name)
    if call.sent("priority"):
        services.set_priority(ticket, data.priority, actor=call.user)
    if call.sent("assignee_id"):
        services.assign(ticket, _agent(data.assignee_id), actor=call.user)
    if call.sent("group_id"):
        services.set_group(ticket, _group(data.group_id), actor=call.user)
    if call.sent("tags"):
        services.set_tags(ticket, data.tags, actor=call.user)
    if call.sent("status"):
        services.change_status(ticket, data.status, actor=call.user)
    return _detail(call, ticket)


def _message_created(call, ticket, message):
    call.headers.update(present.etag(ticket))
    return reply({"message": present.message(message), "ticket": present.ticket(ticket)}, status=201,
                 headers=call.headers)


@bp.post("/tickets/<int:number>/replies")
@operation(scope="tickets:write", operation_id="replyToTicket", tag=TAG, response=schemas.MessageCreated,
           status=201, body=schemas.ReplyCreate, errors=NUMBER_ERRORS, if_match=True)
def add_reply(call, number):
    """Reply to the customer.

    Sent as the desk sends it (by email, or back through SMS, WhatsApp, chat...), with the user's
    signature; `status` sets the status at the same time."""
    ticket = _ticket(call, number)
    message = services.add_reply(ticket, body=call.body.body, author=call.user,
                                 status=call.body.status.value if call.body.status else None,
                                 expected_version=call.if_match)
    return _message_created(call, ticket, message)


@bp.post("/tickets/<int:number>/notes")
@operation(scope="tickets:write", operation_id="addTicketNote", tag=TAG, response=schemas.MessageCreated,
           status=201, body=schemas.NoteCreate, errors=NUMBER_ERRORS, if_match=True)
def add_note(call, number):
    """Add an internal note (never shown or mailed to the customer)."""
    ticket = _ticket(call, number)
    message = services.add_note(ticket, body=call.body.body, actor=call.user, expected_version=call.if_match)
    return _message_created(call, ticket, message)


@bp.post("/tickets/<int:number>/merge")
@operation(scope="tickets:write", operation_id="mergeTicket", tag=TAG, response=schemas.TicketDetail,
           body=schemas.MergeRequest, errors=NUMBER_ERRORS, if_match=True, fields={"target": "into"})
def merge_ticket(call, number):
    """Merge this ticket into another of the same requester.

    Its messages move there and it closes with a pointer both sides see; answers the ticket kept.
    If-Match applies to this (the merged) ticket."""
    source = _ticket(call, number)
    services.check_version(source, call.if_match)
    try:
        target = _ticket(call, call.body.into)
    except NotFound:
        raise ApiError(422, _("There is no ticket with this number."), field="into") from None
    kept = bulk.merge(source, target, actor=call.user)
    return _detail(call, kept)
