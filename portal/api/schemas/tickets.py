"""Tickets, their messages, and what the API accepts to open, update, answer and merge them."""
from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field, field_validator

from portal.api.schemas import Body, Out, PageQuery, UtcTime
from portal.tickets.models import Channel, Priority, Status


class UserRef(Out):
    id: int
    name: str
    email: str


class GroupRef(Out):
    id: int
    name: str


class Requester(Out):
    email: str = Field(description="Empty for a customer reached only by phone or a messaging app.")
    name: str
    user_id: int | None = Field(description="Their account, once they verified this address.")
    customer_id: int | None = Field(description="The customer record (see /customers).")


class Ticket(Out):
    number: int = Field(description="The ticket's number, as in #1042; used in every ticket URL.")
    subject: str
    status: Status
    priority: Priority
    channel: Channel
    topic: str | None
    requester: Requester
    assignee: UserRef | None
    group: GroupRef | None
    tags: list[str]
    order_id: int | None
    version: int = Field(description="Changes with every change; send it back as If-Match.")
    message_count: int
    merged_into: int | None = Field(description="The number of the ticket this one was merged into.")
    follow_up_of: int | None
    created_at: UtcTime
    updated_at: UtcTime
    solved_at: UtcTime | None
    closed_at: UtcTime | None
    sla_due_at: UtcTime | None


class MessageAuthor(Out):
    kind: Literal["customer", "agent", "system"]
    user_id: int | None
    name: str | None


class Attachment(Out):
    id: int
    name: str
    content_type: str
    size: int


class Message(Out):
    id: int
    kind: Literal["public", "note"] = Field(description="`note`: internal, never shown to the customer.")
    author: MessageAuthor
    channel: Channel
    body: str
    created_at: UtcTime
    attachments: list[Attachment]


class TicketDetail(Ticket):
    messages: list[Message] = Field(description="Oldest first; internal notes included (tokens are staff's).")


class TicketList(Out):
    data: list[Ticket]
    next_cursor: str | None


class MessageCreated(Out):
    message: Message
    ticket: Ticket


class TicketListQuery(PageQuery):
    """Filters combine with AND; results are in (updated_at, id) order, oldest change first by default."""

    status: Status | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    group: str | None = Field(None, pattern=r"^(none|[0-9]{1,18})$", description="A group id, or `none`.")
    assignee: str | None = Field(None, pattern=r"^(none|me|[0-9]{1,18})$",
                                 description="A user id, `me` or `none`.")
    tag: str | None = Field(None, max_length=40)
    requester: EmailStr | None = Field(None, description="The requester's email address (exact).")
    updated_since: datetime | None = Field(None, description="Changed at or after this time (ISO 8601).")
    order: Literal["updated_at", "-updated_at"] = Field("updated_at", description="`-updated_at`: newest first.")


class RequesterIn(Body):
    email: str = Field(max_length=254)
    name: str = Field("", max_length=120)


class TicketCreate(Body):
    subject: str = Field(max_length=200)
    body: str = Field(description="The first message (Markdown-free plain text).")
    requester: RequesterIn
    author: Literal["requester", "agent"] = Field(
        "requester", description="`requester`: the customer wrote the first message (e.g. a form of your own); "
                                 "`agent`: you start the conversation.")
    priority: Priority = Priority.NORMAL
    group_id: int | None = None
    assignee_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)
    topic: str | None = None


class TicketUpdate(Body):
    """Only the fields sent change; `null` clears the group or the assignee."""

    status: Status | None = None
    priority: Priority | None = None
    group_id: int | None = None
    assignee_id: int | None = None
    tags: list[str] | None = Field(None, max_length=20, description="Replaces all the tags.")


class ReplyCreate(Body):
    body: str
    status: Status | None = Field(None, description="Set the status with the reply (e.g. `pending`, `solved`).")


class NoteCreate(Body):
    body: str


class MergeRequest(Body):
    into: int = Field(description="The number of the ticket to merge this one into (same requester).")

    @field_validator("into")
    @classmethod
    def _positive(cls, value):
        if value < 1:
            raise ValueError("must be a ticket number")
        return value
