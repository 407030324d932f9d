"""The read side of GET /api/v1/tickets: one keyset page in (updated_at, id) order, at any size of desk.

What a user may see is a union of arms (their own tickets, each of their groups: tickets.access.scope_owners),
narrowed by the assignee and group filters. Each arm and status is one range of ix_ticket_assignee_status_updated
or ix_ticket_group_status_updated already in (updated_at, id) order: each range is read up to one page and the
ranges are merged, so a page never sorts a whole scope or walks past tickets of other statuses. Without an
arm (a manager, no assignee or group filter) the page is a walk of ix_ticket_updated or ix_ticket_status_updated.
Rows are read as plain columns (no ORM objects).
"""
from datetime import datetime

from sqlalchemy import exists, func, select, tuple_, union

from portal.accounts.models import User
from portal.api.pagination import decode, encode
from portal.api.schemas import to_utc
from portal.extensions import db
from portal.tickets.access import scope_owners, store_conditions
from portal.tickets.models import PRIORITY_RANK, Status, Ticket, TicketGroup, TicketTag

COLUMNS = (Ticket.id, Ticket.subject, Ticket.status, Ticket.priority, Ticket.channel, Ticket.topic,
           Ticket.requester_email, Ticket.requester_name, Ticket.requester_id, Ticket.contact_id,
           Ticket.assignee_id, Ticket.group_id, Ticket.order_id, Ticket.version, Ticket.message_count,
           Ticket.merged_into_id, Ticket.follow_up_of_id, Ticket.created_at, Ticket.updated_at, Ticket.solved_at,
           Ticket.closed_at, Ticket.sla_due_at)


TAG_DRIVE_LIMIT = 10_000  # a tag on fewer tickets is read from ix_ticket_tag_tag and sorted: faster than a walk


def conditions(q, *, walk: bool = True) -> list:
    """WHERE clauses of the filters other than status, assignee and group (those choose the index ranges).

    A tag filter is checked on each ticket of the walk, or (`walk=False`, a rare tag) names the tickets to read."""
    out = []
    if q.priority:
        out.append(Ticket.priority_rank == PRIORITY_RANK[q.priority])  # moves with priority; indexed
    if q.channel:
        out.append(Ticket.channel == q.channel)
    if q.tag:
        tag = q.tag.strip().lower()
        out.append(exists().where(TicketTag.ticket_id == Ticket.id, TicketTag.tag == tag) if walk else
                   Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag == tag)))
    if q.requester:
        out.append(Ticket.requester_email == q.requester.lower())
    if q.updated_since:
        out.append(Ticket.updated_at >= to_utc(q.updated_since))
    return out


def arms(q, user) -> list[dict] | None:
    """The owner equality sets whose union is the page's tickets ([{}]: every ticket; []: none)."""
    wanted = {}
    if q.group:
        wanted["group_id"] = None if q.group == "none" else int(q.group)
    if q.assignee:
        wanted["assignee_id"] = None if q.assignee == "none" else user.id if q.assignee == "me" else int(q.assignee)
    granted = scope_owners(user)
    out = []
    for owner in [{}] if granted is None else granted:
        if any(column in owner and owner[column] != value for column, value in wanted.items()):
            continue  # e.g. their own tickets, and the filter names another assignee
        arm = {**owner, **wanted}
        if arm not in out:
            out.append(arm)
    return out


def _equal(arm: dict) -> list:
    return [getattr(Ticket, column).is_(None) if value is None else getattr(Ticket, column) == value
            for column, value in arm.items()]


def page(user, q) -> tuple[list, dict, str | None]:
    """(rows, {"users": {id: (id, name, email)}, "groups": {id: (id, name)}, "tags": {id: [tag]}}, next cursor)."""
    descending = q.order == "-updated_at"
    owners = arms(q, user)
    where = conditions(q, walk=owners != [{}] or not q.tag or not _rare(q.tag)) + store_conditions(user)
    if q.cursor:
        after = decode(q.cursor, (datetime, int))
        key = tuple_(Ticket.updated_at, Ticket.id)
        where.append(key < after if descending else key > after)
    if not owners:
        return [], {"users": {}, "groups": {}, "tags": {}}, None
    order = (Ticket.updated_at.desc(), Ticket.id.desc()) if descending else (Ticket.updated_at, Ticket.id)
    if owners == [{}]:
        query = select(*COLUMNS).where(*where, *([Ticket.status == q.status] if q.status else [])).order_by(*order)
    else:
        statuses = [q.status] if q.status else list(Status)
        ranges = [select(Ticket.id).where(*where, *_equal(owner), Ticket.status == status).order_by(*order)
                  .limit(q.limit + 1).subquery() for owner in owners for status in statuses]
        ids = union(*(select(part.c.id) for part in ranges)).subquery()  # UNION: arms may share tickets
        query = select(*COLUMNS).join(ids, ids.c.id == Ticket.id).order_by(*order)
    rows = list(db.session.execute(query.limit(q.limit + 1)))
    cursor = None
    if len(rows) > q.limit:
        rows = rows[:q.limit]
        cursor = encode(rows[-1].updated_at, rows[-1].id)
    return rows, _related(rows), cursor


def _rare(tag: str) -> bool:
    """True when at most TAG_DRIVE_LIMIT tickets carry `tag` (counted in the tag index, stopping there)."""
    tagged = select(TicketTag.ticket_id).where(TicketTag.tag == tag.strip().lower()).limit(TAG_DRIVE_LIMIT + 1)
    return db.session.scalar(select(func.count()).select_from(tagged.subquery())) <= TAG_DRIVE_LIMIT


def _related(rows) -> dict:
    """The assignees, groups and tags of a page, one statement each."""
    user_ids = {r.assignee_id for r in rows if r.assignee_id}
    group_ids = {r.group_id for r in rows if r.group_id}
    ticket_ids = [r.id for r in rows]
    users = {u.id: u for u in db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(user_ids)))} if user_ids else {}
    groups = {g.id: g for g in db.session.execute(
        select(TicketGroup.id, TicketGroup.name).where(TicketGroup.id.in_(group_ids)))} if group_ids else {}
    tags: dict[int, list[str]] = {}
    if ticket_ids:
        for ticket_id, tag in db.session.execute(select(TicketTag.ticket_id, TicketTag.tag)
                                                 .where(TicketTag.ticket_id.in_(ticket_ids)).order_by(TicketTag.tag)):
            tags.setdefault(ticket_id, []).append(tag)
    return {"users": users, "groups": groups, "tags": tags}
