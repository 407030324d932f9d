"""Custom staff roles and per-store visibility: managers define roles from named permissions and give
each member a role and the stores they see. portal.permissions decides from what is stored here."""
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import audit
from portal.accounts.models import Role, StaffRole, User
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.orders.models import Store
from portal.permissions import CUSTOMIZABLE, PERMISSION_LABELS, require

NAME_MAX = 80


def assignable_permissions() -> list[str]:
    """The named permissions a custom role may check, in the order the settings page shows them."""
    return list(PERMISSION_LABELS)


def all_roles() -> list[StaffRole]:
    """Every custom role, by name."""
    return list(db.session.scalars(select(StaffRole).order_by(StaffRole.name)))


def _clean(name: str | None, permissions, *, current: StaffRole | None = None) -> tuple[str, list[str]]:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the role a name."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(_("Keep the name under %(count)s characters.", count=NAME_MAX), field="name")
    taken = db.session.scalar(select(StaffRole.id).where(func.lower(StaffRole.name) == name.lower()))
    if taken and (current is None or taken != current.id):
        raise Conflict(_("A role named %(name)s already exists.", name=name), field="name")
    chosen = list(dict.fromkeys(permissions or ()))
    unknown = [key for key in chosen if key not in PERMISSION_LABELS]
    if unknown:
        raise ValidationError(_("Choose permissions from the list."), field="permissions")
    return name, [key for key in assignable_permissions() if key in chosen]


def create_role(*, actor: User, name: str, permissions) -> StaffRole:
    """A new custom role; managers only. Raises ValidationError or Conflict on the field at fault."""
    require(actor, "staff.manage")
    name, permissions = _clean(name, permissions)
    role = StaffRole(name=name, permissions=permissions)
    db.session.add(role)
    db.session.flush()
    audit.record(actor, "roles.created", role, {"name": name, "permissions": permissions})
    return role


def update_role(*, actor: User, role: StaffRole, name: str, permissions) -> StaffRole:
    """Rename a custom role and set its permissions; its members hold the new ones at once."""
    require(actor, "staff.manage")
    name, permissions = _clean(name, permissions, current=role)
    before = {"name": role.name, "permissions": list(role.permissions or ())}
    role.name, role.permissions = name, permissions
    db.session.flush()
    audit.record(actor, "roles.changed", role, {"from": before, "to": {"name": name, "permissions": permissions}})
    return role


def delete_role(*, actor: User, role: StaffRole) -> None:
    """Delete a custom role; its members go back to their base role's permissions."""
    require(actor, "staff.manage")
    for member in db.session.scalars(select(User).where(User.staff_role_id == role.id)):
        member.staff_role = None
    audit.record(actor, "roles.deleted", role, {"name": role.name})
    db.session.delete(role)
    db.session.flush()


def set_member_access(*, actor: User, user: User, role_id: int | None, store_ids) -> User:
    """Give a team member a custom role (None: their base role's permissions) and the stores they see
    (none: every store). Managers keep every permission and store, so they take neither."""
    require(actor, "staff.manage")
    role = db.session.get(StaffRole, role_id) if role_id else None
    if role_id and role is None:
        raise ValidationError(_("Choose a role from the list."), field="staff_role")
    stores = list(db.session.scalars(select(Store).where(Store.id.in_(store_ids or [])).order_by(Store.id)))
    if len(stores) != len(set(store_ids or [])):
        raise ValidationError(_("Choose stores from the list."), field="stores")
    if user.role not in CUSTOMIZABLE and (role or stores):
        field = "staff_role" if role else "stores"
        raise ValidationError(_("Managers always have every permission and see every store.")
                              if user.role == Role.MANAGER else _("Only editors and agents take a custom role."),
                              field=field)
    before = {"role": user.staff_role.name if user.staff_role else None, "stores": sorted(s.id for s in user.stores)}
    user.staff_role, user.stores = role, stores
    db.session.flush()
    after = {"role": role.name if role else None, "stores": [s.id for s in stores]}
    if after["role"] != before["role"]:
        audit.record(actor, "team.custom_role_changed", user, {"from": before["role"], "to": after["role"]})
    if after["stores"] != before["stores"]:
        audit.record(actor, "team.stores_changed", user, {"from": before["stores"], "to": after["stores"]})
    return user
