"""Desk settings: macros (shared or personal), groups and their members, agents' scopes."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db
from portal.staff.access import permission_required
from portal.tickets import groups as group_services
from portal.tickets import macros, queries
from portal.tickets.forms import GroupForm, MacroForm
from portal.tickets.web import put_error_on_form

bp = Blueprint("desk_admin", __name__, url_prefix="/staff")


@bp.route("/macros")
@permission_required("tickets.work")
def macro_list():
    """Shared macros and mine."""
    return render_template("tickets/macros.html", macros=macros.visible_macros(current_user))


@bp.route("/macros/new", methods=["GET", "POST"])
@bp.route("/macros/<int:macro_id>", methods=["GET", "POST"])
@permission_required("tickets.work")
def macro_edit(macro_id=None):
    """Create or edit a macro."""
    macro = macros.get_macro(macro_id, current_user) if macro_id else None
    form = MacroForm(obj=macro) if request.method == "GET" and macro else MacroForm()
    if request.method == "GET" and macro:
        form.shared.data = macro.shared
        form.set_status.data = macro.set_status.value if macro.set_status else ""
        form.set_priority.data = macro.set_priority.value if macro.set_priority else ""
        form.set_group_id.data = str(macro.set_group_id or "")
        form.add_tags.data = ", ".join(macro.add_tags or [])
    form.fill_choices(queries.groups())
    if form.validate_on_submit():
        try:
            macros.save_macro(actor=current_user, macro=macro, title=form.title.data, body=form.body.data,
                              shared=form.shared.data, set_status=form.set_status.data or None,
                              set_priority=form.set_priority.data or None,
                              set_group_id=form.set_group_id.data or None, add_tags=form.add_tags.data)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Macro saved."), "success")
            return redirect(url_for("desk_admin.macro_list"))
    return render_template("tickets/macro_edit.html", form=form, macro=macro,
                           variables=macros.VARIABLES), 400 if form.errors or form.form_errors else 200


@bp.route("/macros/<int:macro_id>/delete", methods=["POST"])
@permission_required("tickets.work")
def macro_delete(macro_id):
    """Delete a macro."""
    macros.delete_macro(macros.get_macro(macro_id, current_user), actor=current_user)
    db.session.commit()
    flash(_("Macro deleted."), "success")
    return redirect(url_for("desk_admin.macro_list"))


@bp.route("/groups", methods=["GET", "POST"])
@permission_required("staff.manage")
def groups():
    """Groups (teams) with their members, and each agent's ticket scope."""
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group_services.create_group(name=form.name.data)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Group created."), "success")
            return redirect(url_for("desk_admin.groups"))
    return render_template("tickets/groups.html", form=form, groups=queries.groups(), agents=queries.agents(),
                           scopes=group_services.scopes_of(queries.agents()),
                           memberships=group_services.memberships(),
                           capacities=group_services.capacities())


@bp.route("/groups/members", methods=["POST"])
@permission_required("staff.manage")
def set_members():
    """Save which agents belong to which group and each agent's scope."""
    try:
        group_services.save_desk_settings(actor=current_user, form=request.form)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Desk settings saved."), "success")
    return redirect(url_for("desk_admin.groups"))
