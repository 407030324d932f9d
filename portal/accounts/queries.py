"""Account reads shared by views and the CLI."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import STAFF_ROLES, Role, StaffInvite, User
from portal.extensions import db
from portal.models_base import utcnow


def user_by_email(email: str) -> User | None:
    """The account with this (already normalised) email, if any."""
    return db.session.scalar(select(User).where(User.email == email))


def list_users(role: Role | str | None = None) -> list[User]:
    """Every account, optionally of one role, by email."""
    query = select(User).order_by(User.email)
    if role:
        query = query.where(User.role == Role(role))
    return list(db.session.scalars(query))


def staff_members() -> list[User]:
    """Editors, agents and managers, by name then email (not the system actor rules act as)."""
    from portal.permissions import SYSTEM_EMAIL

    return list(db.session.scalars(
        select(User).options(selectinload(User.stores))  # the team page shows each member's stores
        .where(User.role.in_(STAFF_ROLES), User.email != SYSTEM_EMAIL).order_by(User.name, User.email)))


def pending_invites() -> list[StaffInvite]:
    """Invitations not yet accepted and not expired, newest first."""
    return list(db.session.scalars(
        select(StaffInvite).where(StaffInvite.accepted_at.is_(None), StaffInvite.expires_at > utcnow())
        .order_by(StaffInvite.created_at.desc())))
