"""Groups (teams) and agents' scopes, managed by managers."""
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from portal.accounts.models import User
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.permissions import can, require
from portal.tickets.models import AgentSetting, Scope, TicketGroup, group_members


def create_group(*, name: str) -> TicketGroup:
    """A new team; names are unique."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Enter a name."), field="name")
    if db.session.scalar(select(TicketGroup.id).where(TicketGroup.name == name)):
        raise Conflict(_("A group with this name already exists."), field="name")
    group = TicketGroup(name=name[:80])
    db.session.add(group)
    db.session.flush()
    return group


def set_scope(user: User, scope: Scope | str) -> None:
    """Which tickets an agent may see: assigned only, their groups, or all."""
    setting = db.session.get(AgentSetting, user.id) or AgentSetting(user_id=user.id)
    setting.scope = Scope(scope)
    db.session.add(setting)
    db.session.flush()


def set_membership(group: TicketGroup, user_ids: list[int]) -> None:
    db.session.execute(delete(group_members).where(group_members.c.group_id == group.id))
    if user_ids:
        db.session.execute(insert(group_members), [{"group_id": group.id, "user_id": uid} for uid in user_ids])


def scopes_of(users) -> dict[int, Scope]:
    found = {s.user_id: s.scope for s in db.session.scalars(select(AgentSetting))}
    return {u.id: found.get(u.id, Scope.ASSIGNED) for u in users}


def capacities() -> dict[int, int | None]:
    return {s.user_id: s.capacity for s in db.session.scalars(select(AgentSetting))}


def memberships() -> set[tuple[int, int]]:
    return {(g, u) for g, u in db.session.execute(select(group_members.c.group_id, group_members.c.user_id))}


def save_desk_settings(*, actor: User, form) -> None:
    """Apply the groups page: `member-<group>-<user>` checkboxes, `scope-<user>` and `capacity-<user>`, and each
    group's `assign-<group>` mode and `reassign-<group>` checkbox."""
    require(actor, "staff.manage")
    agents = [u for u in db.session.scalars(select(User)) if can(u, "tickets.work")]
    for group in db.session.scalars(select(TicketGroup)):
        set_membership(group, [a.id for a in agents if form.get(f"member-{group.id}-{a.id}")])
    for agent in agents:
        value = form.get(f"scope-{agent.id}")
        if value:
            if value not in Scope._value2member_map_:
                raise ValidationError(_("Choose a scope from the list."), field="scope")
            set_scope(agent, value)
        capacity = (form.get(f"capacity-{agent.id}") or "").strip()
        if f"capacity-{agent.id}" in form:
            set_capacity(agent, capacity)
    for group in db.session.scalars(select(TicketGroup)):
        mode = form.get(f"assign-{group.id}")
        if mode is not None:
            if mode not in ("none", "round_robin", "least_open"):
                raise ValidationError(_("Choose an assignment mode from the list."), field="assign")
            group.assign_mode = mode
            group.reassign_when_away = bool(form.get(f"reassign-{group.id}"))
    db.session.flush()


def set_capacity(user: User, value: str) -> None:
    """How many open tickets automatic assignment gives the agent at most ("" for no limit)."""
    if value == "":
        number = None
    elif not value.isdigit() or not 1 <= int(value) <= 1000:
        raise ValidationError(_("Capacity is a whole number from 1 to 1000, or empty for no limit."),
                              field="capacity")
    else:
        number = int(value)
    setting = db.session.get(AgentSetting, user.id) or AgentSetting(user_id=user.id, scope=Scope.ASSIGNED)
    setting.capacity = number
    db.session.add(setting)
