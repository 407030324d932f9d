"""The customer's privacy page (/portal/privacy) and the managers' personal data page (/staff/gdpr)."""
from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.models import Role
from portal.errors import DomainError
from portal.extensions import db
from portal.gdpr import service
from portal.gdpr.forms import ErasureRequestForm, ExportForm, StaffEraseForm, StaffExportForm
from portal.staff.access import permission_required

bp = Blueprint("gdpr", __name__)


def _zip_response(data: bytes, email: str):
    import io

    name = f"data-{email.replace('@', '-at-')}.zip"
    response = send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


def _privacy_page(export_form=None, erase_form=None, status=200):
    return render_template("gdpr/privacy.html", export_form=export_form or ExportForm(),
                           erase_form=erase_form or ErasureRequestForm(),
                           requested=service.pending_request(current_user)), status


@bp.route("/portal/privacy")
@login_required
def privacy():
    """Download my data; ask for my account to be erased."""
    return _privacy_page()


@bp.route("/portal/privacy/export", methods=["POST"])
@login_required
def export_mine():
    """My data as a zip, made now (always the logged-in person's own)."""
    form = ExportForm()
    if current_user.role != Role.CUSTOMER or not form.validate_on_submit():
        flash(_("Your data could not be prepared: reload the page and try again."), "error")
        return redirect(url_for("gdpr.privacy"))
    data = service.export_data(email=current_user.email, actor=current_user)
    db.session.commit()
    return _zip_response(data, current_user.email)


@bp.route("/portal/privacy/erase", methods=["POST"])
@login_required
def request_erasure():
    """Ask for erasure, confirmed with my password."""
    form = ErasureRequestForm()
    if not form.validate_on_submit():
        return _privacy_page(erase_form=form, status=400)
    try:
        service.request_erasure(user=current_user, password=form.password.data)
    except DomainError as exc:
        (form.password.errors if exc.field == "password" else form.form_errors).append(exc.message)
        return _privacy_page(erase_form=form, status=400)
    db.session.commit()
    flash(_("We received your request. Our team will erase your account and tell you when it is done."), "success")
    return redirect(url_for("gdpr.privacy"))


def _staff_page(export_form=None, erase_form=None, status=200):
    return render_template("gdpr/staff.html", export_form=export_form or StaffExportForm(prefix="export"),
                           erase_form=erase_form or StaffEraseForm(prefix="erase"),
                           requests=service.pending_requests()), status


@bp.route("/staff/gdpr")
@permission_required("gdpr.run")
def staff_index():
    """Erasure requests waiting, and a customer's export or erasure by email."""
    return _staff_page()


@bp.route("/staff/gdpr/export", methods=["POST"])
@permission_required("gdpr.run")
def staff_export():
    """A customer's data as a zip."""
    form = StaffExportForm(prefix="export")
    if not form.validate_on_submit():
        return _staff_page(export_form=form, status=400)
    try:
        data = service.export_data(email=form.email.data, actor=current_user)
    except DomainError as exc:
        form.email.errors.append(exc.message)
        return _staff_page(export_form=form, status=400)
    db.session.commit()
    return _zip_response(data, form.email.data.strip().lower())


@bp.route("/staff/gdpr/erase", methods=["POST"])
@permission_required("gdpr.run")
def staff_erase():
    """Erase a customer for good."""
    form = StaffEraseForm(prefix="erase")
    if not form.validate_on_submit():
        return _staff_page(erase_form=form, status=400)
    try:
        result = service.erase(email=form.email.data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.email.errors.append(exc.message)
        return _staff_page(erase_form=form, status=400)
    db.session.commit()
    flash(_("%(email)s was already erased.", email=form.email.data) if result["already_erased"]
          else _("%(email)s is erased: they now appear as %(label)s.", email=form.email.data, label=result["label"]),
          "success")
    return redirect(url_for("gdpr.staff_index"))
