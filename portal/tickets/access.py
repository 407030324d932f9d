"""Who may see and work which ticket: the one place views, CLI, API and search ask."""
from sqlalchemy import and_, false, or_, select, true

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.permissions import can, can_see_store, store_ids
from portal.tickets.models import AgentSetting, Scope, Ticket, group_members


def agent_scope(user: User) -> Scope | None:
    """The agent's scope; managers see all; None for anyone without ticket work."""
    if not can(user, "tickets.work"):
        return None
    if user.role == Role.MANAGER:
        return Scope.ALL
    setting = db.session.get(AgentSetting, user.id)
    return setting.scope if setting else Scope.ASSIGNED


def group_ids(user: User) -> list[int]:
    """The groups an agent belongs to."""
    return list(db.session.scalars(select(group_members.c.group_id).where(group_members.c.user_id == user.id)))


def staff_filter(user: User):
    """A WHERE clause limiting tickets to those `user` may work on (false() for non-agents)."""
    scope = agent_scope(user)
    if scope is None:
        return false()
    return and_(_owner_filter(user, scope), *store_conditions(user))


def _owner_filter(user: User, scope: Scope):
    if scope == Scope.ALL:
        return true()
    mine = Ticket.assignee_id == user.id
    if scope == Scope.GROUPS:
        groups = group_ids(user)
        return or_(mine, Ticket.group_id.in_(groups)) if groups else mine
    return mine


def store_conditions(user: User) -> list:
    """WHERE clauses keeping tickets of the stores `user` is limited to (and of no store); [] when unlimited.

    Checked on each row of the scope's index ranges (see scope_owners), so the queue still reads ranges.
    """
    ids = store_ids(user)
    return [] if ids is None else [or_(Ticket.store_id.is_(None), Ticket.store_id.in_(sorted(ids)))]


def scope_owners(user: User) -> list[dict] | None:
    """staff_filter as equality sets on ticket columns (None: every ticket; []: none), any one admits a ticket.

    {"assignee_id": 7} or {"group_id": 2}: the queue reads each set through its own index range. The
    member's stores are not in the sets: readers add store_conditions(user) to every range.
    """
    scope = agent_scope(user)
    if scope is None:
        return []
    if scope == Scope.ALL:
        return None
    owners = [{"assignee_id": user.id}]
    if scope == Scope.GROUPS:
        owners += [{"group_id": group_id} for group_id in group_ids(user)]
    return owners


def staff_can_see(user: User, ticket: Ticket) -> bool:
    """True when `user` works tickets and `ticket` is in their scope."""
    scope = agent_scope(user)
    if scope is None or not can_see_store(user, ticket.store_id):
        return False
    if scope == Scope.ALL or ticket.assignee_id == user.id:
        return True
    return scope == Scope.GROUPS and ticket.group_id is not None and ticket.group_id in group_ids(user)


def customer_can_see(user: User, ticket: Ticket) -> bool:
    """Customers see only the tickets they requested."""
    return bool(user and getattr(user, "is_authenticated", False) and ticket.requester_id == user.id)
