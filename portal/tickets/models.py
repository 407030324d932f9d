"""Tickets, their messages, attachments and event log; groups, agent scopes, macros, presence."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import enum_column, utcnow

NUMBER_OFFSET = 1000  # ticket #1001 is the first one


class Status(str, enum.Enum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {Status.NEW: _l("New"), Status.OPEN: _l("Open"), Status.PENDING: _l("Pending"),
                 Status.ON_HOLD: _l("On hold"), Status.SOLVED: _l("Solved"), Status.CLOSED: _l("Closed")}
UNSOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(str, enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return str(PRIORITY_LABELS[self])

    @property
    def rank(self) -> int:
        """Sort key: urgent first."""
        return PRIORITY_RANK[self]


PRIORITY_LABELS = {Priority.LOW: _l("Low"), Priority.NORMAL: _l("Normal"), Priority.HIGH: _l("High"),
                   Priority.URGENT: _l("Urgent")}
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


class Channel(str, enum.Enum):
    WEB = "web"
    PORTAL = "portal"
    EMAIL = "email"
    SMS = "sms"
    SOCIAL = "social"
    CHAT = "chat"
    STAFF = "staff"
    CLI = "cli"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    PHONE = "phone"
    API = "api"  # opened through the REST API (portal/api)

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {Channel.WEB: _l("Contact form"), Channel.PORTAL: _l("Portal"), Channel.EMAIL: _l("Email"),
                  Channel.SMS: _l("SMS"), Channel.SOCIAL: _l("Social"), Channel.CHAT: _l("Chat"),
                  Channel.STAFF: lazy_pgettext("ticket channel", "Staff"), Channel.CLI: _l("Command line"),
                  Channel.WHATSAPP: _l("WhatsApp"), Channel.MESSENGER: _l("Messenger"),
                  Channel.INSTAGRAM: _l("Instagram"), Channel.PHONE: _l("Phone"),
                  Channel.API: _l("API")}
DELIVERY_LABELS = {"queued": _l("Queued to send"), "sending": _l("Sending"), "sent": _l("Sent"),
                   "delivered": _l("Delivered"), "read": _l("Read"), "failed": _l("Not delivered"),
                   "undelivered": _l("Not delivered")}
# Channels whose conversation lives at a provider: replies go back through it, not by email.
MESSAGING_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.MESSENGER, Channel.INSTAGRAM, Channel.CHAT)


class MessageKind(str, enum.Enum):
    PUBLIC = "public"
    NOTE = "note"


class AuthorKind(str, enum.Enum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class Scope(str, enum.Enum):
    """Which tickets an agent may see."""
    ASSIGNED = "assigned"
    GROUPS = "groups"
    ALL = "all"

    @property
    def label(self) -> str:
        return str(SCOPE_LABELS[self])


SCOPE_LABELS = {Scope.ASSIGNED: _l("Tickets assigned to them"), Scope.GROUPS: _l("Tickets of their groups"),
                Scope.ALL: _l("All tickets")}

group_members = Table(
    "group_member", db.metadata,
    Column("group_id", ForeignKey("ticket_group.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TicketGroup(db.Model):
    """A team such as Shipping, Returns or Billing."""
    __tablename__ = "ticket_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Automatic assignment of its new tickets: none | round_robin | least_open (online agents within capacity).
    assign_mode: Mapped[str] = mapped_column(String(12), default="none", server_default="none")
    last_assigned_id: Mapped[int | None] = mapped_column(Integer)  # where round-robin goes on from
    reassign_when_away: Mapped[bool] = mapped_column(default=False, server_default="0")
    members: Mapped[list[User]] = relationship(secondary=group_members, order_by=User.name)


class AgentSetting(db.Model):
    """Per-agent desk settings: the visibility scope (new agents see only tickets assigned to them)."""
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[Scope] = mapped_column(enum_column(Scope), default=Scope.ASSIGNED)
    signature: Mapped[str | None] = mapped_column(Text)  # Markdown, below the agent's mailed replies
    availability: Mapped[str] = mapped_column(String(10), default="away")  # online | away (live chat)
    availability_at: Mapped[datetime | None]  # last heartbeat while online
    capacity: Mapped[int | None] = mapped_column(Integer)  # most open tickets auto-assigned to them (None: no limit)


class Ticket(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    requester_email: Mapped[str] = mapped_column(String(254), index=True)
    requester_name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.NEW)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    priority_rank: Mapped[int] = mapped_column(Integer, default=2)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.WEB)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_group.id"))
    topic: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(8))  # the requester's language when they wrote
    order_id: Mapped[int | None] = mapped_column(Integer)
    store_id: Mapped[int | None] = mapped_column(Integer)
    mailbox_id: Mapped[int | None] = mapped_column(Integer)  # the mailbox an email ticket came in on
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the customer record (all channels)
    channel_account_id: Mapped[int | None] = mapped_column(Integer)  # the SMS number, page, widget... it came in on
    channel_address: Mapped[str | None] = mapped_column(String(254))  # where replies go there (number, PSID...)
    first_reply_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    next_response_due_at: Mapped[datetime | None]  # after each customer message the team has not answered
    sla_due_at: Mapped[datetime | None]  # the soonest live target of the three: what the queue shows and sorts by
    sla_policy_id: Mapped[int | None] = mapped_column(Integer)
    sla_resolution_left: Mapped[int | None] = mapped_column(Integer)  # business minutes left while paused
    sla_state: Mapped[str | None] = mapped_column(String(40))  # "warned:first,breached:resolution" flags
    last_customer_message_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime | None]
    first_replied_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    waiting_since: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    group: Mapped[TicketGroup | None] = relationship()
    tag_rows: Mapped[list["TicketTag"]] = relationship(cascade="all, delete-orphan", order_by="TicketTag.tag")

    __table_args__ = (
        Index("ix_ticket_queue", "status", "priority_rank", "waiting_since", "id"),
        Index("ix_ticket_assignee_queue", "assignee_id", "status", "priority_rank", "waiting_since", "id"),
        Index("ix_ticket_group_queue", "group_id", "status", "priority_rank", "waiting_since", "id"),
        # Unassigned (or my) tickets of a group: the queues of agents whose scope is their groups.
        Index("ix_ticket_group_assignee_queue", "group_id", "status", "assignee_id", "priority_rank", "waiting_since",
              "id"),
        Index("ix_ticket_requester_updated", "requester_id", "updated_at"),
        Index("ix_ticket_status_updated", "status", "updated_at"),
        # The worker's sweeps (time-based rules, SLA warnings and breaches) read only these indexes.
        Index("ix_ticket_status_created", "status", "created_at"),
        Index("ix_ticket_status_changed", "status", "status_changed_at"),
        Index("ix_ticket_status_customer_message", "status", "last_customer_message_at"),
        Index("ix_ticket_first_reply_due", "first_reply_due_at"),
        Index("ix_ticket_next_response_due", "next_response_due_at"),
        Index("ix_ticket_resolution_due", "resolution_due_at"),
        Index("ix_ticket_sla_due", "sla_due_at"),
        Index("ix_ticket_channel_conversation", "channel_account_id", "channel_address"),
        # The REST API's ticket list (portal/api/v1/ticket_list.py): keyset pages in (updated_at, id) order, of
        # every ticket, or per assignee or group and status (an agent's scope, the filters), one range each.
        Index("ix_ticket_updated", "updated_at", "id"),
        Index("ix_ticket_assignee_status_updated", "assignee_id", "status", "updated_at"),
        Index("ix_ticket_group_status_updated", "group_id", "status", "updated_at"),
    )

    @property
    def number(self) -> int:
        return self.id + NUMBER_OFFSET

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def is_unsolved(self) -> bool:
        return self.status in UNSOLVED

    @property
    def requester_label(self) -> str:
        return self.requester_name or self.requester_email

    def __repr__(self):
        return f"<Ticket #{self.number} {self.status.value}>"


class TicketTag(db.Model):
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    __table_args__ = (Index("ix_ticket_tag_tag", "tag", "ticket_id"),)


class TicketMessage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind), default=MessageKind.PUBLIC)
    author_kind: Mapped[AuthorKind] = mapped_column(enum_column(AuthorKind), default=AuthorKind.CUSTOMER)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.WEB)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)  # sanitised HTML of an email (remote images held back)
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    moved_from_id: Mapped[int | None] = mapped_column(Integer)  # ticket id before a merge
    # A reply sent through a provider: queued | sent | delivered | read | failed | undelivered.
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_error: Mapped[str | None] = mapped_column(String(500))
    delivery_updated_at: Mapped[datetime | None]
    meta: Mapped[dict | None] = mapped_column(JSON)  # channel details: a location, a call, a template used
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["TicketAttachment"]] = relationship(back_populates="message",
                                                                 order_by="TicketAttachment.id")
    __table_args__ = (Index("ix_ticket_message_thread", "ticket_id", "created_at", "id"),)

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE


class TicketAttachment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_message.id", ondelete="CASCADE"),
                                                   index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content_id: Mapped[str | None] = mapped_column(String(255))  # an email's inline image (cid:)
    inline: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[TicketMessage | None] = relationship(back_populates="attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


EVENT_LABELS = {
    "created": _l("Created"), "follow_up": _l("Follow-up of"), "reply": _l("Replied"),
    "customer_reply": _l("Customer replied"), "reopen": _l("Reopened"), "note": _l("Internal note added"),
    "status": _l("Status"), "priority": _l("Priority"), "assignee": _l("Assignee"), "group": _l("Group"),
    "tags": _l("Tags"), "order": _l("Order"), "requester": _l("Requester"), "merged_into": _l("Merged into"),
    "merged_from": _l("Merged from"), "cc": _l("Cc"),
}
# Events whose old/new values are enum values, shown by their label.
EVENT_VALUE_LABELS = {"status": (Status, STATUS_LABELS), "reopen": (Status, STATUS_LABELS),
                      "priority": (Priority, PRIORITY_LABELS), "created": (Channel, CHANNEL_LABELS)}


class TicketEvent(db.Model):
    """One change: who changed what, when; the staff timeline and later reports read these."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    rule_id: Mapped[int | None] = mapped_column(Integer)  # a change made by an automation rule or SLA policy
    kind: Mapped[str] = mapped_column(String(20))
    old: Mapped[str | None] = mapped_column(String(200))
    new: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_id", "id"),)

    @property
    def label(self) -> str:
        """What changed, in the reader's language."""
        return str(EVENT_LABELS.get(self.kind, self.kind.replace("_", " ")))

    @property
    def old_label(self) -> str | None:
        return self._value_label(self.old)

    @property
    def new_label(self) -> str | None:
        return self._value_label(self.new)

    def _value_label(self, value: str | None) -> str | None:
        if value is None or self.kind not in EVENT_VALUE_LABELS:
            # order events store "order 1043": shown as "#1043" in every language
            return f"#{value.removeprefix('order ')}" if value and self.kind == "order" else value
        kind, labels = EVENT_VALUE_LABELS[self.kind]
        member = kind._value2member_map_.get(value)
        return str(labels[member]) if member is not None else value


class Macro(db.Model):
    """A canned reply with variables that may also set status, priority, group and tags."""
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    set_status: Mapped[Status | None] = mapped_column(enum_column(Status))
    set_priority: Mapped[Priority | None] = mapped_column(enum_column(Priority))
    set_group_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_group.id", ondelete="SET NULL"))
    add_tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User | None] = relationship()
    set_group: Mapped[TicketGroup | None] = relationship()

    @property
    def shared(self) -> bool:
        return self.owner_id is None


class TicketPresence(db.Model):
    """Who has a ticket open right now, and whether they are writing a reply."""
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    composing: Mapped[bool] = mapped_column(default=False)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class EmailPreference(db.Model):
    """Notification choices per address (customers, guests and agents alike)."""
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    ticket_notifications: Mapped[bool] = mapped_column(default=True)
    forum_notifications: Mapped[bool] = mapped_column(default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Deflection(db.Model):
    """A help article suggested while typing a request, opened by the visitor (submitted or not)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    visitor: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(12))  # contact | portal
    query: Mapped[str] = mapped_column(String(200), default="")
    article_slug: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    submitted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactAttempt(db.Model):
    """Contact-form submissions, for the rate limit per IP and per address."""
    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_contact_attempt_ip", "ip", "created_at"),
                      Index("ix_contact_attempt_email", "email", "created_at"))
