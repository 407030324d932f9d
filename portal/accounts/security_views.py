"""Two-factor login pages (the login's second step, setup, recovery codes, turning it off), "log out
other sessions", the managers' security settings and their reset of a team member's two-factor login."""
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.accounts import policy, sessions, two_factor
from portal.accounts.forms import (ActionForm, RecoveryCodeForm, SecretConfirmForm, SecurityPolicyForm,
                                   TwoFactorCodeForm)
from portal.accounts.models import User
from portal.accounts.views import settings_page
from portal.accounts.web import finish_login, landing, pending_login, stay_logged_in
from portal.errors import DomainError, RateLimited, ValidationError
from portal.extensions import db
from portal.permissions import can
from portal.staff.access import permission_required
from portal.urls import safe_next

bp = Blueprint("security", __name__)


def _error_on(form, exc: DomainError) -> int:
    """Show `exc` on its field (or above the form); the status for the page."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return exc.status


def _check(form, action):
    """Run a code or password check: (result, None), or (None, status) with the error on `form`.
    A failed check is committed (it counts towards the throttle); nothing else was changed."""
    try:
        return action(), None
    except RateLimited as exc:
        db.session.rollback()
        return None, _error_on(form, exc)
    except ValidationError as exc:
        db.session.commit()
        return None, _error_on(form, exc)
    except DomainError as exc:
        db.session.rollback()
        return None, _error_on(form, exc)


def _private(body, status=200):
    """A page showing a secret or codes: never stored by the browser or a proxy."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login/two-factor", methods=["GET", "POST"])
def two_factor_login():
    """The second step of a login: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(landing(current_user))
    user, pending = pending_login()
    if user is None:
        flash(_("Please log in again."), "error")
        return redirect(url_for("accounts.login"))
    code_form, recovery_form, status = TwoFactorCodeForm(), RecoveryCodeForm(), 200
    form = recovery_form if "recovery_code" in request.form else code_form
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            field = "recovery_code" if form is recovery_form else "code"
            method, status = _check(form, lambda: two_factor.verify_login(user=user, **{field: form[field].data}))
            if method:
                if method == "recovery_code":
                    _flash_codes_left(user)
                return finish_login(user, remember=pending["remember"], target=safe_next(pending["next"]),
                                    two_factor=method)
    return render_template("accounts/two_factor_login.html", code_form=code_form, recovery_form=recovery_form,
                           show_recovery=form is recovery_form and request.method == "POST"), status


def _flash_codes_left(user):
    left = two_factor.recovery_codes_left(user)
    flash(ngettext("You used a recovery code: %(num)d is left. Make new ones in your account settings.",
                   "You used a recovery code: %(num)d are left. Make new ones in your account settings.", left),
          "success" if left > 2 else "error")


@bp.route("/portal/settings/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Set up two-factor login: scan the QR code (or type the key), then confirm with a code."""
    user = current_user._get_current_object()
    if user.two_factor_enabled:
        flash(_("Two-factor login is already on."), "success")
        return redirect(url_for("accounts.settings"))
    secret = two_factor.setup_secret(user=user)
    db.session.commit()
    form, status = TwoFactorCodeForm(), 200
    if form.is_submitted():
        status = 400
        if form.validate_on_submit():
            codes, status = _check(form, lambda: two_factor.confirm_setup(user=user, code=form.code.data))
            if codes:
                db.session.commit()
                stay_logged_in(user)
                return _codes_page(codes, first=True)
    uri = two_factor.provisioning_uri(user, secret)
    required = user.is_staff and policy.staff_two_factor_required()
    return _private(render_template(
        "accounts/two_factor_setup.html", form=form, secret=secret, required=required,
        key_groups=[secret[i:i + 4] for i in range(0, len(secret), 4)],
        qr_svg=two_factor.qr_svg(uri, _("QR code for your authenticator app"))), status)


def _codes_page(codes, *, first: bool):
    return _private(render_template("accounts/recovery_codes.html", codes=codes, first=first))


@bp.route("/portal/settings/two-factor/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    """Replace the recovery codes (password needed); shows the new ones once."""
    user = current_user._get_current_object()
    form, status = SecretConfirmForm(prefix="codes"), 400
    if form.validate_on_submit():
        codes, status = _check(form, lambda: two_factor.regenerate_recovery_codes(user=user,
                                                                                 password=form.password.data))
        if codes:
            db.session.commit()
            return _codes_page(codes, first=False)
    return settings_page(user, status=status, new_codes=form)


@bp.route("/portal/settings/two-factor/off", methods=["POST"])
@login_required
def two_factor_disable():
    """Turn two-factor login off (password needed); other sessions end."""
    user = current_user._get_current_object()
    form, status = SecretConfirmForm(prefix="off"), 400
    if form.validate_on_submit():
        done, status = _check(form, lambda: two_factor.disable(user=user, password=form.password.data) or "off")
        if done:
            db.session.commit()
            stay_logged_in(user)
            flash(_("Two-factor login is off."), "success")
            return redirect(url_for("accounts.settings"))
    return settings_page(user, status=status, two_factor_off=form)


@bp.route("/portal/settings/sessions/end", methods=["POST"])
@login_required
def end_other_sessions():
    """Log out every other browser and remember-me cookie of this account; this one stays."""
    user = current_user._get_current_object()
    if not ActionForm(prefix="sessions").validate_on_submit():
        return redirect(url_for("accounts.settings"))
    sessions.log_out_other_sessions(user=user)
    db.session.commit()
    stay_logged_in(user)
    flash(_("You are logged out everywhere else."), "success")
    return redirect(url_for("accounts.settings"))


@bp.route("/staff/settings/security", methods=["GET", "POST"])
@permission_required("settings.manage")
def settings():
    """Settings holders: require two-factor login for every staff member."""
    form, status = SecurityPolicyForm(), 200
    if request.method == "GET":
        form.require_staff_two_factor.data = policy.staff_two_factor_required()
    elif form.validate_on_submit():
        try:
            policy.set_staff_two_factor(actor=current_user, required=form.require_staff_two_factor.data)
        except DomainError as exc:
            db.session.rollback()
            status = _error_on(form, exc)
        else:
            db.session.commit()
            flash(_("Security settings saved."), "success")
            return redirect(url_for(".settings"))
    return render_template("accounts/security_settings.html", form=form, without=policy.staff_without_two_factor(),
                           required=policy.staff_two_factor_required()), status


@bp.route("/staff/team/<int:user_id>/two-factor/reset", methods=["POST"])
@permission_required("staff.manage")
def reset_two_factor(user_id):
    """Managers: turn off a team member's two-factor login when they lost their phone and codes."""
    member = db.get_or_404(User, user_id)
    if ActionForm(prefix=f"reset-{member.id}").validate_on_submit():
        try:
            two_factor.reset(actor=current_user, user=member)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Two-factor login of %(name)s is off: they can log in with their password and set it up "
                    "again.", name=member.display_name), "success")
    return redirect(url_for("accounts.team") if can(current_user, "staff.manage") else landing(current_user))
