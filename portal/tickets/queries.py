"""Read side of the desk: queue views with counts, filters, keyset pages, threads, timelines."""
import base64
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, func, literal, or_, select, tuple_, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from portal.accounts.models import User
from portal.extensions import db
from portal.tickets.access import group_ids, scope_owners, staff_filter, store_conditions
from portal.tickets.models import (
    PRIORITY_RANK, UNSOLVED, Channel, MessageKind, Priority, Status, Ticket, TicketAttachment, TicketEvent,
    TicketGroup, TicketMessage, TicketTag,
)

COUNT_CAP = 10_000


@dataclass
class QueueView:
    key: str
    label: str


VIEW_KEYS = ("mine", "unassigned", "groups", "open", "pending", "on_hold", "solved")
VIEW_STATUSES = {"mine": UNSOLVED, "unassigned": UNSOLVED, "groups": UNSOLVED, "open": (Status.NEW, Status.OPEN),
                 "pending": (Status.PENDING,), "on_hold": (Status.ON_HOLD,), "solved": (Status.SOLVED,)}


def view_condition(key: str, user: User):
    """The WHERE clause of a named queue view for `user` (without the agent's scope: see staff_filter)."""
    owners = [and_(*_equal(owner)) for owner in _view_owners(key, user) if owner]
    return and_(*([or_(*owners)] if owners else []), Ticket.status.in_(VIEW_STATUSES[key]))


def view_arms(key: str, user: User) -> list[dict]:
    """What `user` sees in a view, as equality sets (agent scope x view owner) whose union is the view.

    Each set plus a status is one range of a queue index (ix_ticket_queue, ix_ticket_assignee_queue,
    ix_ticket_group_queue, ix_ticket_group_assignee_queue) already in queue order: pages and counts read
    those ranges instead of sorting the whole view.
    """
    return _arms(key, user, scope_owners(user))


def _arms(key: str, user: User, scope: list[dict] | None) -> list[dict]:
    arms = []
    for granted in [{}] if scope is None else scope:
        for owner in _view_owners(key, user):
            if any(column in granted and granted[column] != value for column, value in owner.items()):
                continue  # e.g. assigned to me and unassigned
            arm = {**granted, **owner}
            if arm not in arms:
                arms.append(arm)
    # A set that adds conditions to another one only repeats some of its tickets.
    return [arm for arm in arms if not any(other != arm and other.items() <= arm.items() for other in arms)]


def _view_owners(key: str, user: User) -> list[dict]:
    if key not in VIEW_STATUSES:
        raise ValueError(key)
    if key == "mine":
        return [{"assignee_id": user.id}]
    if key == "unassigned":
        return [{"assignee_id": None}]
    if key == "groups":
        return [{"group_id": group_id} for group_id in (group_ids(user) or [-1])]
    return [{}]  # the status alone makes the view


def _equal(arm: dict) -> list:
    return [getattr(Ticket, column).is_(None) if value is None else getattr(Ticket, column) == value
            for column, value in arm.items()]


def view_counts(user: User) -> dict[str, int]:
    """How many tickets each view holds (capped at COUNT_CAP so deep queues stay fast), in one statement."""
    counts, scope, stores = [], scope_owners(user), store_conditions(user)
    for key in VIEW_KEYS:
        arms = _arms(key, user, scope)
        if not arms:
            counts.append(literal(0).label(key))
            continue
        inner = select(Ticket.id).where(_visible(arms, VIEW_STATUSES[key]), *stores).limit(COUNT_CAP).subquery()
        counts.append(select(func.count()).select_from(inner).scalar_subquery().label(key))
    return dict(db.session.execute(select(*counts)).one()._mapping)


def _visible(arms: list[dict], statuses):
    """The union of arms as one WHERE clause that SQLite serves from the queue indexes.

    What all arms share comes first and arms differing by one column become an IN, so SQLite seeks each
    (group, status, assignee) range; other unions become an OR of arms, which it reads as a MULTI-INDEX OR.
    """
    common = {column: value for column, value in arms[0].items()
              if all(column in arm and arm[column] == value for arm in arms)}
    rest = [{column: value for column, value in arm.items() if column not in common} for arm in arms]
    columns = {column for arm in rest for column in arm}
    status = Ticket.status.in_(statuses)
    if rest == [{}]:
        return and_(*_equal(common), status)
    if len(columns) == 1 and all(len(arm) == 1 and None not in arm.values() for arm in rest):
        column = columns.pop()
        return and_(*_equal(common), getattr(Ticket, column).in_([arm[column] for arm in rest]), status)
    # The status inside each arm, or SQLite reads the status range and checks the arms row by row. Group
    # ranges first: they read the index alone and often reach COUNT_CAP before the assignee's range is needed.
    rest.sort(key=lambda arm: "assignee_id" in arm)
    return and_(*_equal(common), or_(*(and_(*_equal(arm), status) for arm in rest)))


@dataclass
class Filters:
    status: str = ""
    priority: str = ""
    channel: str = ""
    group: str = ""
    assignee: str = ""
    tag: str = ""
    topic: str = ""
    q: str = ""
    requester: str = ""

    @classmethod
    def from_args(cls, args) -> "Filters":
        return cls(**{name: (args.get(name) or "").strip()[:100] for name in cls.__dataclass_fields__})

    def active(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v}

    def conditions(self, seek: bool = True) -> list:
        """WHERE clauses; unknown values simply match nothing rather than erroring. seek=False: the status
        may not pick an index (the query walks the index of its ORDER BY)."""
        out = []
        if self.status:
            status = Ticket.status if seek else Unindexed(Ticket.status)
            out.append(status == (self.status if self.status in Status._value2member_map_ else "-"))
        if self.priority:
            # priority_rank always moves with priority, and the queue indexes can seek on it.
            out.append(Ticket.priority_rank == PRIORITY_RANK.get(Priority._value2member_map_.get(self.priority), -1))
        if self.channel:
            out.append(Ticket.channel == (self.channel if self.channel in Channel._value2member_map_ else "-"))
        if self.group:
            out.append(Ticket.group_id == (int(self.group) if self.group.isdigit() else -1))
        if self.assignee == "none":
            out.append(Ticket.assignee_id.is_(None))
        elif self.assignee:
            out.append(Ticket.assignee_id == (int(self.assignee) if self.assignee.isdigit() else -1))
        if self.tag:
            out.append(exists().where(TicketTag.ticket_id == Ticket.id, TicketTag.tag == self.tag.lower()))
        if self.topic:
            out.append(Ticket.topic == self.topic)
        if self.requester:
            like = f"%{_escape(self.requester.lower())}%"
            out.append(or_(Ticket.requester_email.like(like, escape="\\"),
                           Ticket.requester_name.like(like, escape="\\")))
        if self.q:
            like = f"%{_escape(self.q)}%"
            out.append(or_(Ticket.subject.like(like, escape="\\"),
                           exists().where(TicketMessage.ticket_id == Ticket.id,
                                          TicketMessage.body.like(like, escape="\\"))))
        return out


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Page:
    tickets: list
    next_cursor: str | None
    filters: Filters = field(default_factory=Filters)


def _encode(*parts) -> str:
    raw = "|".join(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        return [datetime.fromisoformat(parts[0]) if "T" in parts[0] or "-" in parts[0] else int(parts[0]),
                *parts[1:]]
    except (ValueError, UnicodeDecodeError, IndexError):
        return None


QUEUE_ORDER = ("priority_rank", "waiting_since", "id")  # urgent first, then longest waiting
SOLVED_ORDER = ("updated_at", "id")  # most recent first
SLA_ORDER = ("sla_due_at", "id")  # soonest due first: overdue ones are the soonest
SORTS = ("queue", "sla")


def queue_page(user: User, view: str, filters: Filters, cursor: str | None = None, per_page: int = 50,
               sort: str = "queue") -> Page:
    """One page of a view: urgent first then longest waiting (solved: most recent), keyset-paginated;
    sort="sla": by SLA due time instead (see sla_page).

    Each (arm, status) range is read in index order up to one page and the ranges are merged, so the first
    page and page 500 of All open cost the same however long the queue is.
    """
    if sort == "sla" and view != "solved":
        return sla_page(user, view, filters, cursor, per_page)
    names, descending = (SOLVED_ORDER, True) if view == "solved" else (QUEUE_ORDER, False)
    columns = [getattr(Ticket, name) for name in names]
    rows = _read(user, view, [*filters.conditions(), *_after(cursor, columns, descending)], names, descending,
                 per_page + 1)
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        next_cursor = _encode(*(getattr(rows[-1], name) for name in names))
    return Page(tickets=rows, next_cursor=next_cursor, filters=filters)


def sla_page(user: User, view: str, filters: Filters, cursor: str | None, per_page: int) -> Page:
    """A page by SLA: tickets with a live target, soonest due first (overdue at the top), then those with
    none in queue order; the cursor says which part it is in ("due|when|id" or "none|rank|waiting|id").

    A range of a whole status walks ix_ticket_sla_due (only live targets) in order and stops at a page; a
    range of one group, agent or the unassigned, or a page filtered to one, reads that queue-index range
    and sorts it (walking would read every live target to find a small group's few).
    """
    part, key = _sla_position(cursor)
    walk = not (filters.group or filters.assignee)
    rows = []
    if part == "due":
        after = [tuple_(Ticket.sla_due_at, Ticket.id) > key] if key else []
        where = [*filters.conditions(seek=not walk), Ticket.sla_due_at.is_not(None), *after]
        rows = _read(user, view, where, SLA_ORDER, False, per_page + 1, walk=walk)
        key = None
    if len(rows) <= per_page:
        after = [tuple_(*(getattr(Ticket, name) for name in QUEUE_ORDER)) > key] if key else []
        where = [*filters.conditions(), Unindexed(Ticket.sla_due_at).is_(None), *after]
        rows += _read(user, view, where, QUEUE_ORDER, False, per_page + 1 - len(rows))
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        next_cursor = (_encode("due", last.sla_due_at, last.id) if last.sla_due_at is not None else
                       _encode("none", last.priority_rank, last.waiting_since, last.id))
    return Page(tickets=rows, next_cursor=next_cursor, filters=filters)


def _sla_position(cursor: str | None) -> tuple[str, tuple | None]:
    """("due" | "none", the key to read after); the start for a missing or malformed cursor."""
    try:
        parts = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|") if cursor else []
        if parts[:1] == ["due"] and len(parts) == 3:
            return "due", (datetime.fromisoformat(parts[1]), int(parts[2]))
        if parts[:1] == ["none"] and len(parts) == 4:
            return "none", (int(parts[1]), datetime.fromisoformat(parts[2]), int(parts[3]))
    except (ValueError, UnicodeDecodeError):
        pass
    return "due", None


def _read(user: User, view: str, where: list, names, descending: bool, limit: int, walk: bool = False) -> list:
    """Up to `limit` tickets of the view matching `where`, in the order of `names`: each (arm, status) range
    read in order up to `limit`, then merged (UNION: arms of a scope may overlap)."""
    columns = [getattr(Ticket, name) for name in names]
    where = [*where, *store_conditions(user)]  # checked on each row of the ranges
    # walk: a whole status range may not seek its index, so SQLite reads the one of the ORDER BY in order.
    status_of = (lambda arm: Unindexed(Ticket.status) if walk and not arm else Ticket.status)
    ranges = [[*_equal(arm), status_of(arm) == status] for arm in view_arms(view, user)
              for status in VIEW_STATUSES[view]]
    if not ranges or limit <= 0:  # no ticket work
        return []
    if len(ranges) == 1:
        query = select(Ticket).where(*where, *ranges[0]).order_by(*_sorted(columns, descending))
    else:
        parts = [select(*columns).where(*where, *condition).order_by(*_sorted(columns, descending))
                 .limit(limit).subquery() for condition in ranges]
        merged = union(*(select(part) for part in parts)).subquery()
        query = (select(Ticket).join(merged, merged.c.id == Ticket.id)
                 .order_by(*_sorted([merged.c[name] for name in names], descending)))
    query = query.options(joinedload(Ticket.assignee), joinedload(Ticket.group), selectinload(Ticket.tag_rows))
    return list(db.session.scalars(query.limit(limit)).unique())


class Unindexed(ColumnElement):
    """A column SQLite must not seek through an index ("+column"), so that it reads the index of the ORDER BY
    in order; other databases plan with statistics and get the plain column."""
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _plain_column(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(Unindexed, "sqlite")
def _unindexed_column(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def _sorted(columns, descending: bool) -> list:
    return [column.desc() for column in columns] if descending else list(columns)


def _after(cursor: str | None, columns, descending: bool) -> list:
    """The keyset condition for rows after `cursor` (none for a missing or malformed cursor)."""
    position = _decode(cursor) if cursor else None
    if not position or len(position) != len(columns):
        return []
    try:
        if len(columns) == 2:  # solved: (updated_at, id)
            key = (position[0], int(position[1]))
        else:
            key = (int(position[0]), datetime.fromisoformat(position[1]), int(position[2]))
    except (TypeError, ValueError):
        return []
    row = tuple_(*columns)
    return [row < key if descending else row > key]


def thread(ticket: Ticket, *, include_notes: bool) -> list[TicketMessage]:
    """Messages in date order; customers never get notes."""
    query = (select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
             .options(joinedload(TicketMessage.author), selectinload(TicketMessage.attachments))
             .order_by(TicketMessage.created_at, TicketMessage.id))
    if not include_notes:
        query = query.where(TicketMessage.kind == MessageKind.PUBLIC)
    return list(db.session.scalars(query).unique())


def timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                   .options(joinedload(TicketEvent.actor)).order_by(TicketEvent.id)))


def requester_tickets(ticket: Ticket, viewer: User, limit: int = 10) -> list[Ticket]:
    """Other tickets of the same requester that the viewer may see."""
    who = (Ticket.requester_id == ticket.requester_id) if ticket.requester_id else \
        (Ticket.requester_email == ticket.requester_email)
    return list(db.session.scalars(select(Ticket).where(who, Ticket.id != ticket.id, staff_filter(viewer))
                                   .order_by(Ticket.updated_at.desc()).limit(limit)))


def customer_tickets(user: User, cursor: str | None = None, per_page: int = 25) -> Page:
    """The customer's own tickets, most recently updated first."""
    query = select(Ticket).where(Ticket.requester_id == user.id)
    position = _decode(cursor) if cursor else None
    if position and len(position) == 2:
        query = query.where(tuple_(Ticket.updated_at, Ticket.id) < (position[0], int(position[1])))
    rows = list(db.session.scalars(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(per_page + 1)))
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        next_cursor = _encode(rows[-1].updated_at, rows[-1].id)
    return Page(tickets=rows, next_cursor=next_cursor)


def attachment_for(attachment_id: int) -> TicketAttachment | None:
    return db.session.scalar(select(TicketAttachment).where(TicketAttachment.id == attachment_id)
                             .options(joinedload(TicketAttachment.message)))


def agents() -> list[User]:
    from portal.accounts.models import Role

    return list(db.session.scalars(select(User).where(User.role.in_((Role.AGENT, Role.MANAGER)), User.active)
                                   .order_by(User.name, User.email)))


def groups() -> list[TicketGroup]:
    return list(db.session.scalars(select(TicketGroup).order_by(TicketGroup.name)))
