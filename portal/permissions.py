"""Who may do what: the one place views, CLI and API ask."""
from flask_babel import lazy_gettext as _l

from portal.accounts.models import Role

# permission -> roles that hold it
PERMISSIONS = {
    "staff.access": {Role.EDITOR, Role.AGENT, Role.MANAGER},
    "kb.edit": {Role.EDITOR, Role.MANAGER},
    "kb.manage_categories": {Role.EDITOR, Role.MANAGER},
    "staff.manage": {Role.MANAGER},  # the team, its custom roles, groups and scopes
    "settings.manage": {Role.MANAGER},  # the site's settings: stores, channels, SLA, rules, webhooks, 2FA...
    "outbox.view": {Role.MANAGER},  # mail holds one-time links and other people's tickets
    "audit.view": {Role.MANAGER},  # the audit log of staff actions (portal/audit)
    "gdpr.run": {Role.MANAGER},  # erase customers, export their data, see erasure requests (portal/gdpr)
    "tickets.work": {Role.AGENT, Role.MANAGER},
    "forum.moderate": {Role.AGENT, Role.MANAGER},
    "reports.view": {Role.AGENT, Role.MANAGER},  # agents see their own figures only
    "reports.all": {Role.MANAGER},  # everyone's figures, self-service, the weekly mail
    # Personal API tokens are for the shop's team: customers have the portal, not the API.
    "api.use": {Role.EDITOR, Role.AGENT, Role.MANAGER},
    "api.tokens.manage": {Role.MANAGER},  # see and revoke everyone's tokens
    "orders.payments": {Role.AGENT, Role.MANAGER},  # payment and refund details of orders
    "data.export": {Role.AGENT, Role.MANAGER},  # CSV exports of reports (agents: their own figures)
}
# What a custom staff role may hold on top of each base role: the base role decides. Manager-only powers
# (the team, roles, the outbox, the audit log, everyone's tokens) are never in a custom role, so no custom
# role can reach them or hand itself more. A manager may trust an agent role with the site's settings and
# with personal-data requests. Managers ignore custom roles.
CUSTOMIZABLE = {
    Role.AGENT: {"tickets.work", "forum.moderate", "reports.view", "reports.all", "kb.edit",
                 "kb.manage_categories", "api.use", "orders.payments", "data.export", "gdpr.run",
                 "settings.manage"},
    Role.EDITOR: {"kb.edit", "kb.manage_categories", "forum.moderate", "api.use", "data.export"},
}
PERMISSION_LABELS = {
    "tickets.work": _l("Work tickets and see orders"),
    "orders.payments": _l("See payments and refunds"),
    "forum.moderate": _l("Moderate the community"),
    "kb.edit": _l("Edit the help center"),
    "kb.manage_categories": _l("Manage help-center categories"),
    "reports.view": _l("See their own reports"),
    "reports.all": _l("See everyone's reports"),
    "data.export": _l("Export data"),
    "api.use": _l("Use the REST API"),
    "gdpr.run": _l("Export and erase customers' data"),
    "settings.manage": _l("Manage settings"),
}
# Each REST API scope -> the permission its token's user must also hold, checked on every call: a token
# never does more than its user (see portal/api/__init__.py for the conventions).
API_SCOPES = {
    "tickets:read": "tickets.work", "tickets:write": "tickets.work",
    "customers:read": "tickets.work", "customers:write": "tickets.work",
    "orders:read": "tickets.work",
    "help_center:read": "staff.access", "help_center:write": "kb.edit",
    "community:read": "staff.access", "community:write": "forum.moderate",
    "macros:read": "tickets.work", "groups:read": "tickets.work", "users:read": "staff.access",
    "reports:read": "reports.view",
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
    custom = getattr(user, "staff_role", None)
    if custom is not None and user.role in CUSTOMIZABLE:
        # Every staff member reaches the desk; the rest is what the role checks, within the base role.
        return permission == "staff.access" or permission in set(custom.permissions or ()) & CUSTOMIZABLE[user.role]
    return user.role in PERMISSIONS.get(permission, set())


def store_ids(user) -> set[int] | None:
    """The stores whose tickets and orders `user` sees: None for every store (managers, no limit set)."""
    if user is None or getattr(user, "role", None) == Role.MANAGER or not getattr(user, "is_authenticated", False):
        return None
    ids = {store.id for store in getattr(user, "stores", ())}
    return ids or None


def can_see_store(user, store_id: int | None) -> bool:
    """True when a ticket or order of `store_id` is visible to `user`; tickets of no store always are."""
    ids = store_ids(user)
    return ids is None or store_id is None or store_id in ids


def require(user, permission: str) -> None:
    """Raise PermissionDenied unless `user` holds `permission`."""
    from flask_babel import gettext as _

    from portal.errors import PermissionDenied

    if not can(user, permission):
        raise PermissionDenied(_("You do not have permission to do that."))


def grantable_scopes(user) -> list[str]:
    """The API scopes `user` may put on a token of their own (none for customers)."""
    if not can(user, "api.use"):
        return []
    return [scope for scope, permission in API_SCOPES.items() if can(user, permission)]


def api_allows(user, token_scopes, scope: str) -> bool:
    """True when a token holding `token_scopes` may act under `scope` for `user` right now."""
    return (scope in API_SCOPES and scope in (token_scopes or ()) and can(user, "api.use")
            and can(user, API_SCOPES[scope]))
