"""Who may do what: the one place views, CLI and API ask."""
from portal.accounts.models import Role

# permission -> roles that hold it
PERMISSIONS = {
    "staff.access": {Role.EDITOR, Role.AGENT, Role.MANAGER},
    "kb.edit": {Role.EDITOR, Role.MANAGER},
    "kb.manage_categories": {Role.EDITOR, Role.MANAGER},
    "staff.manage": {Role.MANAGER},
    "outbox.view": {Role.MANAGER},  # mail holds one-time links and other people's tickets
    "tickets.work": {Role.AGENT, Role.MANAGER},
    "forum.moderate": {Role.AGENT, Role.MANAGER},
}
# The system actor (rules, SLA escalations) is an inactive account that cannot log in; it works tickets only.
SYSTEM_EMAIL = "automation@comptoir.invalid"
SYSTEM_PERMISSIONS = {"tickets.work"}


def can(user, permission: str) -> bool:
    """True when `user` (None or anonymous allowed) holds `permission`."""
    if user is not None and getattr(user, "email", None) == SYSTEM_EMAIL and not user.active:
        return permission in SYSTEM_PERMISSIONS
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in PERMISSIONS.get(permission, set())


def require(user, permission: str) -> None:
    """Raise PermissionDenied unless `user` holds `permission`."""
    from flask_babel import gettext as _

    from portal.errors import PermissionDenied

    if not can(user, permission):
        raise PermissionDenied(_("You do not have permission to do that."))
