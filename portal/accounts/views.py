"""Accounts pages: login, sign-up, email links, passwords, settings and the staff team."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import queries, services, two_factor
from portal.accounts.forms import (AcceptInviteForm, ActionForm, EmailForm, ForgotPasswordForm, InviteForm,
                                   LoginForm, PasswordForm, ProfileForm, RegisterForm, ResetPasswordForm,
                                   RoleForm, SecretConfirmForm)
from portal.accounts.models import User
from portal.accounts.web import DEVICE_COOKIE, begin_second_step, finish_login, landing, stay_logged_in
from portal.errors import DomainError, RateLimited, ValidationError
from portal.extensions import db
from portal.permissions import can
from portal.staff.access import permission_required
from portal.urls import safe_next

bp = Blueprint("accounts", __name__)


def _show_error(form, exc: DomainError) -> None:
    """Put a domain error on its form field, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def _attempt(form, action):
    """Run a service call; on a domain error roll back, show it on `form` and return None."""
    try:
        return action()
    except DomainError as exc:
        db.session.rollback()
        _show_error(form, exc)
        return None


def _link_invalid(message: str, status: int = 400, **links):
    return render_template("accounts/link_invalid.html", message=message, **links), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password; throttled per account and per IP."""
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(target or landing(current_user))
    form, status = LoginForm(), 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data,
                                         ip=request.remote_addr or "", device_token=request.cookies.get(DEVICE_COOKIE))
        except RateLimited as exc:
            form.form_errors.append(exc.message)
            status = 429
        except ValidationError as exc:
            db.session.commit()  # keep the failed attempt: it counts towards the throttle
            form.form_errors.append(exc.message)
        else:
            if user.two_factor_enabled:  # nothing is granted until the code is right
                db.session.commit()
                return begin_second_step(user, remember=form.remember.data, target=target)
            return finish_login(user, remember=form.remember.data, target=target)
    return render_template("accounts/login.html", form=form, next_url=target), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out and go back to the help center."""
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("help.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a customer account; it stays unverified until the mailed link is opened."""
    if current_user.is_authenticated:
        return redirect(landing(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        user = _attempt(form, lambda: services.register_customer(
            email=form.email.data, password=form.password.data, name=form.name.data))
        if user:
            db.session.commit()
            login_user(user)
            flash(_("Welcome! We sent a link to %(email)s: open it to confirm your email address.",
                    email=user.email), "success")
            return redirect(url_for("portal.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/verify/<token>")
def verify(token):
    """Confirm an email address from the mailed link."""
    try:
        services.verify_email(token=token)
    except ValidationError as exc:
        db.session.rollback()
        return _link_invalid(exc.message, resend=current_user.is_authenticated)
    db.session.commit()
    flash(_("Thank you: your email address is confirmed."), "success")
    return redirect(url_for("portal.home") if current_user.is_authenticated else url_for(".login"))


@bp.route("/verify/resend", methods=["POST"])
@login_required
def resend_verification():
    """Mail a new confirmation link to the logged-in user."""
    if current_user.email_verified:
        flash(_("Your email address is already confirmed."), "success")
    else:
        services.send_verification(user=current_user)
        db.session.commit()
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("portal.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data, ip=request.remote_addr or "")
        db.session.commit()
        flash(_("If an account exists for %(email)s, we sent it a link to choose a new password. "
                "Check your inbox (and spam folder).", email=form.email.data.strip()), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password from a one-time link."""
    try:
        services.user_for_reset_token(token)
    except ValidationError as exc:
        return _link_invalid(exc.message, forgot=True)
    form = ResetPasswordForm()
    if form.validate_on_submit() and _attempt(
            form, lambda: services.reset_password(token=token, password=form.password.data)):
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. You can log in with it now."), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/portal/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Name, language, password and email address of the logged-in user."""
    user = current_user._get_current_object()
    forms = _settings_forms(user)
    for name, form in forms.items():
        if form.submit.data and form.validate_on_submit() and _attempt(form, lambda: _SETTINGS[name](user, form)):
            db.session.commit()
            if name == "password":  # other sessions ended; this one carries the new session id
                stay_logged_in(user)
            return redirect(url_for(".settings"))
    return settings_page(user, forms)


def _settings_forms(user) -> dict:
    return {
        "profile": ProfileForm(prefix="profile", data={"name": user.name, "locale": user.locale or "auto"}),
        "password": PasswordForm(prefix="password"),
        "email": EmailForm(prefix="email"),
    }


def settings_page(user, forms: dict | None = None, status: int = 200, **security_forms):
    """The settings page; the two-factor and sessions sections post to security.* views, which pass
    their form back here (with its errors) when the input was wrong."""
    context = {**(forms or _settings_forms(user)), "two_factor_off": SecretConfirmForm(prefix="off"),
               "new_codes": SecretConfirmForm(prefix="codes"), "end_sessions": ActionForm(prefix="sessions"),
               "codes_left": two_factor.recovery_codes_left(user) if user.two_factor_enabled else 0}
    return render_template("accounts/settings.html", **{**context, **security_forms}), status


def _save_profile(user, form):
    locale = None if form.locale.data == "auto" else form.locale.data
    services.update_profile(user=user, name=form.name.data, locale=locale)
    flash(_("Your settings are saved."), "success")
    return True


def _save_password(user, form):
    services.change_password(user=user, current_password=form.current_password.data,
                             new_password=form.new_password.data)
    flash(_("Your password has been changed."), "success")
    return True


def _save_email(user, form):
    services.request_email_change(user=user, new_email=form.new_email.data, password=form.password.data)
    flash(_("We sent a link to %(email)s. Your address changes when you open it.",
            email=form.new_email.data.strip()), "success")
    return True


_SETTINGS = {"profile": _save_profile, "password": _save_password, "email": _save_email}


@bp.route("/email/confirm/<token>")
def confirm_email(token):
    """Switch to a new email address from the link mailed to it."""
    try:
        user = services.confirm_email_change(token=token)
    except DomainError as exc:
        db.session.rollback()
        return _link_invalid(exc.message)
    db.session.commit()
    flash(_("Your email address is now %(email)s.", email=user.email), "success")
    return redirect(url_for(".settings") if current_user.is_authenticated else url_for(".login"))


@bp.route("/staff/team", methods=["GET", "POST"])
@permission_required("staff.manage")
def team():
    """Managers: the staff with their roles, role changes and invitations."""
    form = InviteForm()
    if form.validate_on_submit() and _attempt(form, lambda: services.invite_staff(
            actor=current_user, email=form.email.data, role=form.role.data)):
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=form.email.data.strip()), "success")
        return redirect(url_for(".team"))
    members = queries.staff_members()
    role_forms = {m.id: _role_form(m) for m in members}
    reset_forms = {m.id: ActionForm(prefix=f"reset-{m.id}") for m in members if m.two_factor_enabled}
    return render_template("accounts/team.html", form=form, members=members, role_forms=role_forms,
                           reset_forms=reset_forms, invites=queries.pending_invites())


def _role_form(member):
    form = RoleForm(prefix=f"user-{member.id}", formdata=None, data={"role": member.role.value})
    form.role.label.text = _("Role of %(name)s", name=member.display_name)
    return form


@bp.route("/staff/team/<int:user_id>/role", methods=["POST"])
@permission_required("staff.manage")
def change_role(user_id):
    """Managers: give a team member another role."""
    member = db.get_or_404(User, user_id)
    form = RoleForm(prefix=f"user-{member.id}")
    if form.validate_on_submit():
        try:
            services.change_role(actor=current_user, user=member, role=form.role.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s is now: %(role)s.", name=member.display_name,
                    role=member.role.label), "success")
    return redirect(url_for(".team") if can(current_user, "staff.manage") else landing(current_user))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token):
    """Join the staff from an invitation: choose a name and a password."""
    try:
        invite = services.invite_for_token(token)
    except ValidationError as exc:
        return _link_invalid(exc.message, status=410)
    form = AcceptInviteForm()
    if form.validate_on_submit():
        user = _attempt(form, lambda: services.accept_invite(
            token=token, name=form.name.data, password=form.password.data))
        if user:
            db.session.commit()
            logout_user()
            login_user(user)
            flash(_("Welcome to the team, %(name)s!", name=user.first_name), "success")
            return redirect(url_for("staff.home"))
    return render_template("accounts/accept_invite.html", form=form, invite=invite)
