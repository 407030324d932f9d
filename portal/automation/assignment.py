"""Automatic assignment within a group: round-robin or least open tickets, only to agents who are online
and within their capacity; tickets of an agent who went away go back to their group when it says so."""
from datetime import timedelta

from flask import has_app_context
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.jobs import services as jobs
from portal.models_base import utcnow
from portal.signals import ticket_changed
from portal.tickets.models import AgentSetting, Status, Ticket, TicketGroup, group_members

MODES = ("none", "round_robin", "least_open")
ONLINE_SECONDS = 180  # an "online" switch without a heartbeat for this long counts as away
OPEN = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


def is_online(setting: AgentSetting | None, now=None) -> bool:
    now = now or utcnow()
    return bool(setting and setting.availability == "online" and setting.availability_at and
                setting.availability_at >= now - timedelta(seconds=ONLINE_SECONDS))


def open_counts(user_ids) -> dict[int, int]:
    rows = db.session.execute(select(Ticket.assignee_id, func.count(Ticket.id)).where(
        Ticket.assignee_id.in_(list(user_ids)), Ticket.status.in_(OPEN)).group_by(Ticket.assignee_id))
    return {user_id: count for user_id, count in rows}


def candidates(group: TicketGroup, now=None) -> list[User]:
    """The group's members who work tickets, are online and have room (ordered by id)."""
    from portal.permissions import can

    members = list(db.session.scalars(select(User).join(group_members, group_members.c.user_id == User.id)
                                      .where(group_members.c.group_id == group.id).order_by(User.id)))
    settings = {s.user_id: s for s in db.session.scalars(
        select(AgentSetting).where(AgentSetting.user_id.in_([m.id for m in members])))}
    counts = open_counts(m.id for m in members)
    return [m for m in members if can(m, "tickets.work") and is_online(settings.get(m.id), now) and
            (settings[m.id].capacity is None or counts.get(m.id, 0) < settings[m.id].capacity)]


def pick(group: TicketGroup, now=None) -> User | None:
    """Who gets the group's next ticket under its mode (None: nobody available, or mode "none")."""
    if group.assign_mode not in ("round_robin", "least_open"):
        return None
    people = candidates(group, now)
    if not people:
        return None
    if group.assign_mode == "least_open":
        counts = open_counts(p.id for p in people)
        return min(people, key=lambda p: (counts.get(p.id, 0), p.id))
    after = [p for p in people if group.last_assigned_id is not None and p.id > group.last_assigned_id]
    return (after or people)[0]


def auto_assign(ticket: Ticket, group: TicketGroup | None = None, *, actor=None) -> User | None:
    """Assign an unassigned ticket to the next available agent of its group; returns that agent."""
    from portal.automation.actor import system_actor
    from portal.tickets import services as tickets

    group = group or (db.session.get(TicketGroup, ticket.group_id) if ticket.group_id else None)
    if group is None or ticket.assignee_id or ticket.status in (Status.SOLVED, Status.CLOSED):
        return None
    agent = pick(group)
    if agent is None:
        return None
    tickets.assign(ticket, agent, actor=actor or system_actor())
    group.last_assigned_id = agent.id
    db.session.flush()
    return agent


def _on_ticket_changed(ticket, kind=None, **_):
    if kind in ("opened", "group") and has_app_context() and ticket.group_id and not ticket.assignee_id:
        group = db.session.get(TicketGroup, ticket.group_id)
        if group is not None and group.assign_mode in ("round_robin", "least_open"):
            auto_assign(ticket, group)


def release_away_agents(now=None) -> int:
    """Open tickets of agents who are away go back to groups that reassign, and on to who is online."""
    now = now or utcnow()
    from portal.automation.actor import system_actor
    from portal.tickets import services as tickets

    groups = list(db.session.scalars(select(TicketGroup).where(TicketGroup.reassign_when_away.is_(True),
                                                               TicketGroup.assign_mode != "none")))
    moved = 0
    for group in groups:
        rows = db.session.scalars(select(Ticket).where(Ticket.group_id == group.id, Ticket.assignee_id.is_not(None),
                                                       Ticket.status.in_((Status.NEW, Status.OPEN))).limit(500))
        for ticket in list(rows):
            if is_online(db.session.get(AgentSetting, ticket.assignee_id), now):
                continue
            tickets.assign(ticket, None, actor=system_actor())
            auto_assign(ticket, group)
            moved += 1
    return moved


@jobs.task("assignment.sweep", max_attempts=3)
def sweep() -> int:
    moved = release_away_agents()
    db.session.commit()
    return moved


def init_app(app):
    if not getattr(ticket_changed, "_assignment_connected", False):
        ticket_changed.connect(_on_ticket_changed)
        ticket_changed._assignment_connected = True
