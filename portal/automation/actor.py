"""The system actor: rules and SLA escalations change tickets through tickets.services as this user,
so every change is checked, logged and shown in the timeline like an agent's. It cannot log in."""
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.permissions import SYSTEM_EMAIL


def system_actor() -> User:
    """The "Automation" user, created on first use (inactive, no password, sees every ticket)."""
    from portal.tickets.models import AgentSetting, Scope

    user = db.session.scalar(select(User).where(User.email == SYSTEM_EMAIL))
    if user is None:
        user = User(email=SYSTEM_EMAIL, name="Automation", role=Role.AGENT, active=False, password_hash=None)
        db.session.add(user)
        db.session.flush()
        db.session.add(AgentSetting(user_id=user.id, scope=Scope.ALL))
        db.session.flush()
    return user


def is_system(user) -> bool:
    return user is not None and getattr(user, "email", None) == SYSTEM_EMAIL
