"""Agents' "Online / Away" switch for live chat: online means switched on and heard from lately."""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.permissions import PERMISSIONS, require
from portal.tickets.models import AgentSetting, Scope

FRESH_SECONDS = 120  # a heartbeat every 60 s keeps an agent online; two missed ones and they are away
STATES = ("online", "away")


def _setting(user: User) -> AgentSetting:
    # No row yet: the scope an agent without one already has (access.agent_scope), so nothing widens.
    setting = db.session.get(AgentSetting, user.id)
    if setting is None:
        setting = AgentSetting(user_id=user.id, scope=Scope.ASSIGNED)
        db.session.add(setting)
    return setting


def set_availability(user: User, state: str) -> str:
    """Switch `user` online or away; PermissionDenied for anyone who does not work tickets."""
    require(user, "tickets.work")
    if state not in STATES:
        raise ValidationError(_("Choose online or away."), field="state")
    setting = _setting(user)
    setting.availability, setting.availability_at = state, utcnow()
    db.session.flush()
    return state


def heartbeat(user: User) -> bool:
    """An open desk page says the agent is still there; True while they are switched online."""
    setting = db.session.get(AgentSetting, user.id)
    if setting is None or setting.availability != "online":
        return False
    setting.availability_at = utcnow()
    db.session.flush()
    return True


def is_online(user: User) -> bool:
    setting = db.session.get(AgentSetting, user.id) if getattr(user, "id", None) else None
    return setting is not None and setting.availability == "online" and _fresh(setting.availability_at)


def _fresh(when) -> bool:
    return when is not None and when >= utcnow() - timedelta(seconds=FRESH_SECONDS)


def online_count() -> int:
    """Agents switched online whose desk was heard from in the last two minutes."""
    roles = PERMISSIONS["tickets.work"]
    return db.session.scalar(select(func.count()).select_from(AgentSetting).join(User, User.id == AgentSetting.user_id)
                             .where(AgentSetting.availability == "online",
                                    AgentSetting.availability_at >= utcnow() - timedelta(seconds=FRESH_SECONDS),
                                    User.role.in_(roles), User.active.is_(True))) or 0


def anyone_online() -> bool:
    return online_count() > 0
