"""The site's security settings: whether every staff member must use two-factor login."""
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.accounts.models import STAFF_ROLES, SecurityPolicy, User
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.permissions import SYSTEM_EMAIL, require

POLICY_ID = 1


def current() -> SecurityPolicy:
    """The settings row (the migration creates it; defaults when it is missing)."""
    return db.session.get(SecurityPolicy, POLICY_ID) or SecurityPolicy(id=POLICY_ID, require_staff_two_factor=False)


def staff_two_factor_required() -> bool:
    return bool(current().require_staff_two_factor)


def set_staff_two_factor(*, actor: User, required: bool) -> SecurityPolicy:
    """Require (or stop requiring) two-factor login for all staff; audited. The manager must use it
    themselves before requiring it (ValidationError on require_staff_two_factor)."""
    require(actor, "settings.manage")
    required = bool(required)
    if required and not actor.two_factor_enabled:
        raise ValidationError(_("Turn on two-factor login for your own account first."),
                              field="require_staff_two_factor")
    policy = current()
    if policy.require_staff_two_factor == required and policy in db.session:
        return policy
    before = bool(policy.require_staff_two_factor)
    policy.require_staff_two_factor, policy.updated_at, policy.updated_by_id = required, utcnow(), actor.id
    db.session.add(policy)
    db.session.flush()
    if before != required:
        audit.record(actor, "settings.security_changed", "security settings",
                     {"require_staff_two_factor": {"from": before, "to": required}})
    return policy


def staff_without_two_factor() -> list[User]:
    """Active staff who have not turned two-factor login on, by name."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(STAFF_ROLES), User.active.is_(True), User.totp_enabled_at.is_(None),
                           User.email != SYSTEM_EMAIL).order_by(User.name, User.email)))
