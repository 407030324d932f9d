"""The team: users, groups and macros."""
from pydantic import Field

from portal.accounts.models import Role
from portal.api.schemas import Out, PageQuery, UtcTime
from portal.api.schemas.tickets import GroupRef, UserRef
from portal.tickets.models import Priority, Status


class User(Out):
    id: int
    name: str
    email: str
    role: Role
    active: bool
    locale: str | None
    groups: list[GroupRef] = Field(description="The ticket groups they belong to.")
    created_at: UtcTime
    last_login_at: UtcTime | None


class UserList(Out):
    data: list[User]
    next_cursor: str | None


class UserQuery(PageQuery):
    role: Role | None = Field(None, description="Without it: the staff. `customer` lists customer accounts "
                                                "(for agents and managers only).")


class Group(Out):
    id: int
    name: str
    assign_mode: str = Field(description="none, round_robin or least_open.")
    members: list[UserRef]


class GroupList(Out):
    data: list[Group]
    next_cursor: str | None


class Macro(Out):
    id: int
    title: str
    body: str = Field(description="The reply text with {{ variables }}, as the desk fills them in.")
    shared: bool = Field(description="Shared with the team (else the token user's own).")
    set_status: Status | None
    set_priority: Priority | None
    set_group: GroupRef | None
    add_tags: list[str]


class MacroList(Out):
    data: list[Macro]
    next_cursor: str | None
