"""What each recorded action is called on the log page. Features add their actions here."""
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "login.succeeded": _l("Logged in"),
    "login.failed": _l("Failed login"),
    "two_factor.enabled": _l("Two-factor login turned on"),
    "two_factor.disabled": _l("Two-factor login turned off"),
    "two_factor.reset": _l("Two-factor login reset by a manager"),
    "two_factor.recovery_codes_regenerated": _l("New recovery codes made"),
    "sessions.revoked": _l("Other sessions logged out"),
    "password.changed": _l("Password changed"),
    "team.role_changed": _l("Role changed"),
    "team.invited": _l("Invited to the team"),
    "team.joined": _l("Joined the team"),
    "team.custom_role_changed": _l("Custom role changed"),
    "team.stores_changed": _l("Stores seen changed"),
    "roles.created": _l("Staff role created"),
    "roles.changed": _l("Staff role changed"),
    "roles.deleted": _l("Staff role deleted"),
    "settings.security_changed": _l("Security settings changed"),
    "gdpr.exported": _l("Customer data exported"),
    "gdpr.erasure_requested": _l("Erasure requested by the customer"),
    "gdpr.erased": _l("Customer erased"),
    "gdpr.retention_applied": _l("Retention rules applied"),
    "staff.changed": _l("Changed in the desk"),
    "customer_data.viewed": _l("Customer data viewed"),
    "customer_data.exported": _l("Customer data exported"),
}


def label(action: str) -> str:
    """The action's name for people, or the action itself when it has no label yet."""
    return str(ACTION_LABELS[action]) if action in ACTION_LABELS else action
