"""/api/v1/users, /groups and /macros: the team, read only (managers change it in the desk)."""
from flask import Blueprint
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import STAFF_ROLES, Role, User
from portal.api import present
from portal.api.errors import ApiError
from portal.api.pagination import keyset
from portal.api.routing import operation
from portal.api.schemas import team as schemas
from portal.extensions import db
from portal.permissions import SYSTEM_EMAIL
from portal.tickets import macros
from portal.tickets.models import TicketGroup, group_members

bp = Blueprint("team", __name__)


def _groups_of(user_ids) -> dict[int, list[dict]]:
    rows = db.session.execute(select(group_members.c.user_id, TicketGroup.id, TicketGroup.name)
                              .join(TicketGroup, TicketGroup.id == group_members.c.group_id)
                              .where(group_members.c.user_id.in_(list(user_ids))).order_by(TicketGroup.name))
    out: dict[int, list[dict]] = {}
    for user_id, group_id, name in rows:
        out.setdefault(user_id, []).append({"id": group_id, "name": name})
    return out


def _user_json(user, groups) -> dict:
    return {"id": user.id, "name": user.display_name, "email": user.email, "role": user.role.value,
            "active": user.active, "locale": user.locale, "groups": groups.get(user.id, []),
            "created_at": present.iso(user.created_at), "last_login_at": present.iso(user.last_login_at)}


@bp.get("/users")
@operation(scope="users:read", operation_id="listUsers", tag="Users", response=schemas.UserList,
           query=schemas.UserQuery)
def list_users(call):
    """List the staff (editors, agents, managers), or the accounts of one role, by id."""
    q = call.query
    if q.role == Role.CUSTOMER and not call.can("tickets.work"):
        raise ApiError(403, _("Only agents and managers can list customer accounts."), field="role")
    roles = [q.role] if q.role else list(STAFF_ROLES)
    query = select(User).where(User.role.in_(roles), User.email != SYSTEM_EMAIL)
    users, cursor = keyset(query, User, ("id",), (int,), cursor=q.cursor, limit=q.limit)
    groups = _groups_of(u.id for u in users)
    return {"data": [_user_json(u, groups) for u in users], "next_cursor": cursor}


@bp.get("/users/me")
@operation(scope="users:read", operation_id="getMe", tag="Users", response=schemas.User)
def get_me(call):
    """The token's own user."""
    return _user_json(call.user, _groups_of([call.user.id]))


@bp.get("/users/<int:user_id>")
@operation(scope="users:read", operation_id="getUser", tag="Users", response=schemas.User, errors=(404,))
def get_user(call, user_id):
    """Show a user (a customer account only to agents and managers)."""
    user = db.session.get(User, user_id)
    if user is None or user.email == SYSTEM_EMAIL or (not user.is_staff and not call.can("tickets.work")):
        raise ApiError(404, _("We could not find that user."))
    return _user_json(user, _groups_of([user.id]))


def _group_json(group) -> dict:
    return {"id": group.id, "name": group.name, "assign_mode": group.assign_mode,
            "members": [present.user_ref(m) for m in group.members]}


@bp.get("/groups")
@operation(scope="groups:read", operation_id="listGroups", tag="Groups", response=schemas.GroupList)
def list_groups(call):
    """List the ticket groups with their members."""
    rows = db.session.scalars(select(TicketGroup).options(selectinload(TicketGroup.members))
                              .order_by(TicketGroup.name))
    return {"data": [_group_json(g) for g in rows], "next_cursor": None}


@bp.get("/groups/<int:group_id>")
@operation(scope="groups:read", operation_id="getGroup", tag="Groups", response=schemas.Group, errors=(404,))
def get_group(call, group_id):
    """Show a group with its members."""
    group = db.session.get(TicketGroup, group_id)
    if group is None:
        raise ApiError(404, _("There is no group with this id."))
    return _group_json(group)


def _macro_json(macro) -> dict:
    return {"id": macro.id, "title": macro.title, "body": macro.body, "shared": macro.shared,
            "set_status": macro.set_status.value if macro.set_status else None,
            "set_priority": macro.set_priority.value if macro.set_priority else None,
            "set_group": {"id": macro.set_group.id, "name": macro.set_group.name} if macro.set_group else None,
            "add_tags": list(macro.add_tags or [])}


@bp.get("/macros")
@operation(scope="macros:read", operation_id="listMacros", tag="Macros", response=schemas.MacroList)
def list_macros(call):
    """List the shared macros and the token user's own."""
    return {"data": [_macro_json(m) for m in macros.visible_macros(call.user)], "next_cursor": None}


@bp.get("/macros/<int:macro_id>")
@operation(scope="macros:read", operation_id="getMacro", tag="Macros", response=schemas.Macro, errors=(404,))
def get_macro(call, macro_id):
    """Show a macro (another agent's own macro is a 404)."""
    return _macro_json(macros.get_macro(macro_id, call.user))
