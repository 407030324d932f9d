"""An agent's own settings page: the signature below their mailed replies."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db
from portal.staff.access import permission_required
from portal.tickets import agents
from portal.tickets.forms import SignatureForm
from portal.tickets.web import put_error_on_form

bp = Blueprint("agent_settings", __name__, url_prefix="/staff/settings")


@bp.route("/signature", methods=["GET", "POST"])
@permission_required("tickets.work")
def signature():
    """Edit my signature, with a preview of the saved one as customers see it."""
    form = SignatureForm(signature=agents.signature_of(current_user))
    if form.validate_on_submit():
        try:
            saved = agents.set_signature(current_user, form.signature.data)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Signature saved.") if saved else _("Signature removed."), "success")
            return redirect(url_for("agent_settings.signature"))
    return render_template("tickets/signature.html", form=form, saved=agents.signature_of(current_user),
                           limit=agents.MAX_SIGNATURE), 400 if form.errors or form.form_errors else 200
