"""Whether a rule's conditions hold for a ticket: `Facts` (what is known about the ticket right now, each
costly fact read once), conditions compiled to tests, and the SQL they imply for the sweep and the preview."""
from functools import cached_property

from sqlalchemy import and_, exists, select
from sqlalchemy import text as sql

from portal.automation.rules import FIELDS, MAX_TEXT, SET, TEXT_OPS, YES_NO, fold, phrase_patterns
from portal.extensions import db
from portal.tickets.models import (
    UNSOLVED, AuthorKind, Channel, MessageKind, Priority, Status, Ticket, TicketMessage, TicketTag,
)


CALENDARS = "automation.calendars"  # session info: (store id, group id) -> calendar, for one transaction


class Facts:
    """What conditions read about one ticket; whatever costs a query is read once, when first needed.

    `message_id`: the message the event is about (a reply, the first message); else the last customer message.
    """

    def __init__(self, ticket: Ticket, *, message_id: int | None = None, now=None):
        self.ticket, self.message_id, self.now = ticket, message_id, now

    def refresh(self) -> None:
        """Forget what a rule's actions may have changed (tags, the linked order), so the rules after it in the
        same event read the ticket as it is now: an intent rule's tag is seen by the rule that answers it."""
        for name in ("tags", "order", "_requester", "survey"):
            self.__dict__.pop(name, None)

    @cached_property
    def message(self) -> TicketMessage | None:
        if self.message_id:
            return db.session.get(TicketMessage, self.message_id)
        return db.session.scalar(select(TicketMessage).where(
            TicketMessage.ticket_id == self.ticket.id, TicketMessage.kind == MessageKind.PUBLIC,
            TicketMessage.author_kind == AuthorKind.CUSTOMER).order_by(TicketMessage.id.desc()).limit(1))

    @cached_property
    def subject(self) -> str:
        return fold(self.ticket.subject)

    @cached_property
    def body(self) -> str:
        """The message's first MAX_TEXT characters, folded; read without loading the whole message."""
        if "message" in self.__dict__ or not self.message_id:
            return fold(self.message.body[:MAX_TEXT]) if self.message is not None else ""
        found = db.session.scalar(sql("SELECT substr(body, 1, :n) FROM ticket_message WHERE id = :id"),
                                  {"n": MAX_TEXT, "id": self.message_id})
        return fold(found or "")

    @cached_property
    def tags(self) -> set:
        if "tag_rows" in self.ticket.__dict__:  # loaded (and maybe changed) in this transaction
            return set(self.ticket.tags)
        return set(db.session.scalars(sql("SELECT tag FROM ticket_tag WHERE ticket_id = :id"), {"id": self.ticket.id}))

    @cached_property
    def order(self):
        from portal.orders.models import Order

        return db.session.get(Order, self.ticket.order_id) if self.ticket.order_id else None

    @cached_property
    def _requester(self) -> tuple[bool, bool]:
        """(a "vip" tag on any of the requester's tickets, an earlier ticket of theirs), in one query."""
        ticket = self.ticket
        column, value = ("requester_email", ticket.requester_email) if ticket.requester_email else \
            ("contact_id", ticket.contact_id)
        if not value:
            return False, False
        row = db.session.execute(sql(REQUESTER_SQL.format(column=column)), {"v": value, "id": ticket.id}).one()
        return bool(row[0]), bool(row[1])

    @property
    def requester_vip(self) -> bool:
        return "vip" in self.tags or self._requester[0]

    @property
    def requester_new(self) -> bool:
        return not self._requester[1]

    @cached_property
    def business_open(self) -> bool:
        """Open now by the ticket's calendar (its store's, its group's or the default one; 24/7 without)."""
        from portal.automation import sla
        from portal.models_base import utcnow

        calendars = db.session().info.setdefault(CALENDARS, {})  # for this transaction
        key = (self.ticket.store_id, self.ticket.group_id)
        if key not in calendars:
            calendars[key] = sla.calendar_for(self.ticket)
        return calendars[key].is_open(self.now or utcnow())

    @property
    def awaiting_reply(self) -> bool:
        """The customer wrote last: no reply from us since their last message."""
        ticket = self.ticket
        return ticket.last_customer_message_at is not None and ticket.waiting_since <= ticket.last_customer_message_at

    @cached_property
    def answer_blocked(self) -> bool:
        """The message this is about was written by a machine or is flagged mail: nothing answers it."""
        from portal.channels.email.models import InboundEmail

        message = self.message
        if message is None:
            return False
        if (message.meta or {}).get("auto_reply") or (message.meta or {}).get("auto_submitted"):
            return True
        flags = db.session.scalars(select(InboundEmail.flags).where(InboundEmail.ticket_message_id == message.id))
        return any(bool(f) for f in flags)

    @cached_property
    def survey(self):
        """The ticket's satisfaction survey (None before one was sent or answered)."""
        from portal.automation.csat import survey_for

        return survey_for(self.ticket)

    @cached_property
    def text(self) -> str:
        return f"{self.subject}\n{self.body}"

    def actual(self, field: str):
        """The ticket's value of a condition field."""
        return VALUES[field](self)


def _order_status(order) -> str | None:
    from portal.orders.queries import status_key

    return status_key(order) if order is not None else None


# Both read the requester's tickets by their index (requester_email or contact_id), then each one's tags by key.
REQUESTER_SQL = ("SELECT EXISTS (SELECT 1 FROM ticket t JOIN ticket_tag g ON g.ticket_id = t.id AND g.tag = 'vip' "
                 "WHERE t.{column} = :v), EXISTS (SELECT 1 FROM ticket WHERE {column} = :v AND id < :id)")

VALUES = {  # condition field -> its value on the ticket (Facts -> value)
    "channel": lambda f: f.ticket.channel.value, "store": lambda f: f.ticket.store_id,
    "language": lambda f: (f.ticket.locale or "").replace("_", "-").split("-")[0].lower() or None,
    "topic": lambda f: f.ticket.topic, "priority": lambda f: f.ticket.priority.value,
    "status": lambda f: f.ticket.status.value, "group": lambda f: f.ticket.group_id,
    "assignee": lambda f: f.ticket.assignee_id, "requester_vip": lambda f: f.requester_vip,
    "requester_new": lambda f: f.requester_new, "subject": lambda f: f.subject, "body": lambda f: f.body,
    "text": lambda f: f.text, "order": lambda f: f.order is not None, "order_status": lambda f: _order_status(f.order),
    "financial_status": lambda f: f.order.financial_status.value if f.order else None,
    "fulfillment_status": lambda f: f.order.fulfillment_status.value if f.order else None,
    "business_hours": lambda f: f.business_open, "awaiting_reply": lambda f: f.awaiting_reply,
    "csat_rating": lambda f: f.survey.rating if f.survey else None,
    "csat_comment": lambda f: bool(f.survey and f.survey.comment),
}


def compile_condition(condition: dict):
    """The condition as a test of Facts (a condition the catalogue no longer knows never holds)."""
    field, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    if field not in FIELDS or op not in FIELDS[field].ops:
        return lambda facts: False
    if op in ("has", "has_not"):
        return (lambda f: value in f.tags) if op == "has" else (lambda f: value not in f.tags)
    get = VALUES[field]
    if op in TEXT_OPS:
        patterns = phrase_patterns(tuple(value or ()))
        if op == "contains_all":
            return lambda f: all(p.search(get(f)) for p in patterns)
        if op == "contains_any":
            return lambda f: any(p.search(get(f)) for p in patterns)
        return lambda f: not any(p.search(get(f)) for p in patterns)
    if op in YES_NO:
        want = op == "yes"
        return lambda f: bool(get(f)) == want
    if op in SET:
        return (lambda f: get(f) is None) if op == "none" else (lambda f: get(f) is not None)
    return (lambda f: get(f) == value) if op == "is" else (lambda f: get(f) != value)


def holds(condition: dict, facts: Facts) -> bool:
    """One condition against the ticket."""
    return compile_condition(condition)(facts)


def matches(rule, facts: Facts) -> bool:
    """All (or any) of the rule's conditions hold; a rule without conditions always matches.

    `rule.tests`, when the rule has them (engine.Trigger), are its conditions compiled once.
    """
    tests = getattr(rule, "tests", None)
    if tests is None:
        tests = [compile_condition(c) for c in rule.conditions or []]
    if not tests:
        return True
    return any(t(facts) for t in tests) if rule.match == "any" else all(t(facts) for t in tests)


def prefilter(rule) -> list:
    """SQL clauses implied by the rule's simple conditions (match all only): the sweep and the preview read
    fewer tickets; every condition is still tested on each ticket read."""
    if rule.match == "any":
        return []
    columns = {"channel": Ticket.channel, "priority": Ticket.priority, "status": Ticket.status, "topic": Ticket.topic,
               "group": Ticket.group_id, "assignee": Ticket.assignee_id, "store": Ticket.store_id}
    kinds = {"channel": Channel, "priority": Priority, "status": Status}
    clauses = []
    for c in rule.conditions or []:
        field, op, value = c.get("field"), c.get("op"), c.get("value")
        if field in columns and op == "is":
            clauses.append(columns[field] == (kinds[field](value) if field in kinds else value))
        elif field in columns and op in SET:
            clauses.append(columns[field].is_(None) if op == "none" else columns[field].is_not(None))
        elif field == "tags" and op == "has":
            clauses.append(exists().where(TicketTag.ticket_id == Ticket.id, TicketTag.tag == value))
        elif field == "order" and op in YES_NO:
            clauses.append(Ticket.order_id.is_not(None) if op == "yes" else Ticket.order_id.is_(None))
        elif field == "awaiting_reply" and op == "yes":
            clauses.append(and_(Ticket.last_customer_message_at.is_not(None),
                                Ticket.waiting_since <= Ticket.last_customer_message_at))
    return clauses


def open_statuses(rule) -> tuple:
    """The statuses a time-based rule's clock runs in (every unsolved one for a trigger)."""
    since = (rule.timing or {}).get("since")
    return {"pending": (Status.PENDING,), "solved": (Status.SOLVED,)}.get(since, UNSOLVED)


def anchor_column(since: str):
    """The ticket column a time-based rule counts hours from (solved tickets: when their status last changed)."""
    return {"created": Ticket.created_at, "customer_message": Ticket.last_customer_message_at,
            "pending": Ticket.status_changed_at, "solved": Ticket.status_changed_at}[since]
