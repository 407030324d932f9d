"""Managers: custom staff roles (/staff/settings/roles) and each member's role and stores (/staff/team)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.accounts import roles
from portal.accounts.forms import ActionForm, MemberAccessForm, StaffRoleForm
from portal.accounts.models import StaffRole, User
from portal.errors import DomainError
from portal.extensions import db
from portal.orders.models import Store
from portal.permissions import PERMISSION_LABELS
from portal.staff.access import permission_required

bp = Blueprint("roles", __name__, url_prefix="/staff")
manage_required = permission_required("staff.manage")


def _saved(form, action) -> bool:
    """Run a service call; commit, or roll back and put the domain error on its field."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        field = getattr(form, exc.field or "", None)
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            form.form_errors.append(exc.message)
        return False
    db.session.commit()
    return True


def _role_form(**kwargs) -> StaffRoleForm:
    form = StaffRoleForm(**kwargs)
    form.permissions.choices = [SelectChoice(key, str(label)) for key, label in PERMISSION_LABELS.items()]
    return form


@bp.route("/settings/roles", methods=["GET", "POST"])
@manage_required
def index():
    """The custom roles and a form to add one."""
    form = _role_form()
    if form.validate_on_submit() and _saved(form, lambda: roles.create_role(
            actor=current_user, name=form.name.data, permissions=form.permissions.data)):
        flash(_("Role %(name)s created.", name=form.name.data.strip()), "success")
        return redirect(url_for(".index"))
    return render_template("accounts/roles.html", form=form, roles=roles.all_roles(), labels=PERMISSION_LABELS), \
        400 if form.errors or form.form_errors else 200


@bp.route("/settings/roles/<int:role_id>", methods=["GET", "POST"])
@manage_required
def edit(role_id):
    """Rename a role or change its permissions."""
    role = db.get_or_404(StaffRole, role_id)
    form = _role_form(data={"name": role.name, "permissions": list(role.permissions or ())})
    if form.validate_on_submit() and _saved(form, lambda: roles.update_role(
            actor=current_user, role=role, name=form.name.data, permissions=form.permissions.data)):
        flash(_("Role %(name)s saved.", name=role.name), "success")
        return redirect(url_for(".index"))
    return render_template("accounts/role_edit.html", form=form, role=role, delete_form=ActionForm()), \
        400 if form.errors or form.form_errors else 200


@bp.route("/settings/roles/<int:role_id>/delete", methods=["POST"])
@manage_required
def delete(role_id):
    """Delete a role; its members keep their base role."""
    role = db.get_or_404(StaffRole, role_id)
    if ActionForm().validate_on_submit():
        name = role.name
        roles.delete_role(actor=current_user, role=role)
        db.session.commit()
        flash(_("Role %(name)s deleted.", name=name), "success")
    return redirect(url_for(".index"))


@bp.route("/team/<int:user_id>/access", methods=["GET", "POST"])
@manage_required
def member_access(user_id):
    """A member's custom role and the stores they see."""
    member = db.get_or_404(User, user_id)
    if not member.is_staff:
        return redirect(url_for("accounts.team"))
    form = MemberAccessForm(data={"staff_role": str(member.staff_role_id or ""),
                                  "stores": [store.id for store in member.stores]})
    form.staff_role.choices = [SelectChoice("", _("None: the permissions of their base role"))] + \
        [SelectChoice(str(role.id), role.name) for role in roles.all_roles()]
    form.stores.choices = [SelectChoice(store.id, store.name)
                           for store in db.session.scalars(select(Store).order_by(Store.name))]
    if form.validate_on_submit() and _saved(form, lambda: roles.set_member_access(
            actor=current_user, user=member, role_id=int(form.staff_role.data) if (form.staff_role.data or "")
            .isdigit() else (-1 if form.staff_role.data else None), store_ids=form.stores.data)):
        flash(_("Access of %(name)s saved.", name=member.display_name), "success")
        return redirect(url_for("accounts.team"))
    return render_template("accounts/member_access.html", form=form, member=member), \
        400 if form.errors or form.form_errors else 200
