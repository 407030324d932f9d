"""Account writes: sign-up, email checks, login with throttling, passwords, email change, staff.

Every entry point (views, CLI, API) calls these. They flush; the caller commits.
Mail is queued with portal.mail and leaves only after the commit.
"""
from contextlib import nullcontext
from datetime import timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit, ratelimit
from portal.accounts import sessions, tokens
from portal.accounts.models import STAFF_ROLES, LoginAttempt, Role, StaffInvite, User
from portal.accounts.queries import user_by_email
from portal.errors import Conflict, RateLimited, ValidationError
from portal.extensions import db
from portal.mail import queue_email
from portal.models_base import utcnow
from portal.permissions import require
from portal.signals import email_verified

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 200
NAME_MAX_LENGTH = 120
IP_LIMIT_FACTOR = 4  # an IP may fail this many times more often than one account
DEVICE_MAX_AGE = 365 * 24 * 3600
ACCOUNT_LIMIT_FACTOR = 10  # failures on one account from everywhere before unknown clients are stopped


# --- checks -------------------------------------------------------------------------------------

def normalise_email(email: str | None) -> str:
    """Lower-cased, trimmed email as stored and compared (no validation)."""
    return (email or "").strip().lower()[:254]


def _valid_email(email: str | None, field: str = "email") -> str:
    """The normalised address, or ValidationError on `field`."""
    try:
        # test_environment allows *.test addresses (demo data) and skips DNS lookups
        result = validate_email((email or "").strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid email address."), field=field) from None
    return normalise_email(result.normalized)


valid_email = _valid_email


def _check_password(password: str | None, field: str = "password") -> str:
    """The password if it is long enough, else ValidationError on `field`."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError(ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.",
                                       PASSWORD_MIN_LENGTH), field=field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(_("Use at most %(num)d characters.", num=PASSWORD_MAX_LENGTH), field=field)
    return password


def _clean_name(name: str | None, *, required: bool = False) -> str:
    name = " ".join((name or "").split())
    if required and not name:
        raise ValidationError(_("Enter your name."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(_("Use at most %(num)d characters.", num=NAME_MAX_LENGTH), field="name")
    return name


def _role(value, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(_("Choose a valid role."), field=field) from None


def _ensure_email_free(email: str, field: str = "email") -> None:
    if user_by_email(email) is not None:
        raise Conflict(_("An account with this email address already exists."), field=field)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("timing-equaliser-not-a-password")


def _password_matches(user: User | None, password: str) -> bool:
    """Check the password, spending the same time whether or not the account exists."""
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        return False
    return check_password_hash(user.password_hash, password or "")


password_matches = _password_matches


# --- mail ---------------------------------------------------------------------------------------

def _send(template: str, *, to: str, subject, locale: str | None = None, **context) -> None:
    """Queue an account mail in `locale`, else in the current page's language (default outside one)."""
    lang = locale or (None if has_request_context() else current_app.config["BABEL_DEFAULT_LOCALE"])
    with force_locale(lang) if lang else nullcontext():
        context.setdefault("hours", current_app.config["TOKEN_MAX_AGE_SECONDS"] // 3600)
        queue_email(to=to, template=template, subject=str(subject), **context)


def send_verification(*, user: User) -> None:
    """Mail `user` a link confirming their current address (verify_email)."""
    token = tokens.make_token("verify-email", {"uid": user.id, "email": user.email})
    _send("verify_email", to=user.email, subject=_l("Confirm your email address"), locale=user.locale,
          user=user, link=url_for("accounts.verify", token=token, _external=True))


# --- accounts -----------------------------------------------------------------------------------

def create_user(*, email: str, role: Role = Role.CUSTOMER, password: str | None = None, name: str = "",
                verified: bool = True) -> User:
    """Create an account; ValidationError/Conflict name the field (email, role, password, name)."""
    email = _valid_email(email)
    role = _role(role)
    if password is not None:
        _check_password(password)
    name = _clean_name(name)
    _ensure_email_free(email)
    user = User(email=email, role=role, name=name,
                password_hash=generate_password_hash(password) if password else None,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    db.session.flush()
    if verified:
        email_verified.send(user)
    return user


def register_customer(*, email: str, password: str, name: str = "") -> User:
    """Sign a customer up, unverified, and mail them the confirmation link."""
    user = create_user(email=email, password=password or "", name=name, role=Role.CUSTOMER, verified=False)
    send_verification(user=user)
    return user


def verify_email(*, token: str) -> User:
    """Mark the address in a verify link as confirmed; ValidationError if the link is bad or stale."""
    data = tokens.read_token("verify-email", token) or {}
    user = db.session.get(User, data.get("uid") or 0)
    if user is None or user.email != data.get("email"):
        raise ValidationError(_("This confirmation link is invalid or has expired."))
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.flush()
        email_verified.send(user)
    return user


def update_profile(*, user: User, name: str, locale: str | None) -> User:
    """Change the display name and language preference (None follows the browser)."""
    if locale not in (None, *current_app.config["LANGUAGES"]):
        raise ValidationError(_("Choose a language from the list."), field="locale")
    user.name = _clean_name(name)
    user.locale = locale
    db.session.flush()
    return user


# --- login --------------------------------------------------------------------------------------

def _throttled(email: str, ip: str, *, trusted_device: bool) -> bool:
    """Throttle per account *and* client: a stranger failing on an account locks out only themself.

    A client failing on many accounts is stopped too; an account failing from very many clients is
    closed to clients that never logged in to it (a trusted device, known by its cookie, still can).
    """
    limit = current_app.config["LOGIN_MAX_ATTEMPTS"]
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    recent = select(func.count(LoginAttempt.id)).where(LoginAttempt.created_at >= since)
    if db.session.scalar(recent.where(LoginAttempt.email == email, LoginAttempt.ip == ip)) >= limit:
        return True
    if db.session.scalar(recent.where(LoginAttempt.ip == ip)) >= IP_LIMIT_FACTOR * limit:
        return True
    return not trusted_device and db.session.scalar(recent.where(LoginAttempt.email == email)) >= \
        ACCOUNT_LIMIT_FACTOR * limit


def device_token(user: User) -> str:
    """A signed cookie value that marks this client as one that logged in to `user` before."""
    return tokens.make_token("login-device", {"email": user.email})


def device_trusted(token: str | None, email: str) -> bool:
    """True when `token` (the device cookie) was issued at a successful login to `email`."""
    data = tokens.read_token("login-device", token, max_age=DEVICE_MAX_AGE) if token else None
    return bool(data) and data.get("email") == email


def _record_failure(email: str, ip: str) -> None:
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < since))
    db.session.add(LoginAttempt(email=email, ip=ip[:64]))
    db.session.flush()


def authenticate(*, email: str, password: str, ip: str, device_token: str | None = None) -> User:
    """The user these credentials name (a second factor may still be due: sessions.record_login ends it).
    Raises RateLimited, or ValidationError with the same message for an unknown email and a wrong
    password; failures are flushed, so commit them."""
    email, ip = normalise_email(email), ip or "unknown"
    if _throttled(email, ip, trusted_device=device_trusted(device_token, email)):
        minutes = max(1, current_app.config["LOGIN_WINDOW_SECONDS"] // 60)
        raise RateLimited(ngettext("Too many attempts. Please wait %(num)d minute and try again.",
                                   "Too many attempts. Please wait %(num)d minutes and try again.", minutes))
    user = user_by_email(email)
    if not _password_matches(user, password):
        _record_failure(email, ip)
        sessions.record_failed_login(user=user, reason="password")
        raise ValidationError(_("Email or password is incorrect."))
    if not user.active:
        raise ValidationError(_("This account is disabled. Please contact us if you think this is a mistake."))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    db.session.flush()
    return user


# --- passwords ----------------------------------------------------------------------------------

def request_password_reset(*, email: str, ip: str = "cli") -> None:
    """Mail a one-time reset link if an active account has this email; silent otherwise.

    At most RESET_MAX_PER_HOUR_EMAIL mails per address and RESET_MAX_PER_HOUR_IP requests per client
    an hour, whether or not the account exists (the answer never tells).
    """
    email, config = normalise_email(email), current_app.config
    if not ratelimit.allow([("reset-email", email, config["RESET_MAX_PER_HOUR_EMAIL"]),
                            ("reset-ip", ip or "unknown", config["RESET_MAX_PER_HOUR_IP"])], window_seconds=3600):
        return
    user = user_by_email(email)
    if user is None or not user.active:
        return
    token = tokens.make_token("reset-password", {"uid": user.id, "fp": user.password_fingerprint()})
    _send("reset_password", to=user.email, subject=_l("Choose a new password"), locale=user.locale,
          user=user, link=url_for("accounts.reset_password", token=token, _external=True))


def user_for_reset_token(token: str) -> User:
    """The user a reset link is for; ValidationError once expired or used (the password changed)."""
    data = tokens.read_token("reset-password", token) or {}
    user = db.session.get(User, data.get("uid") or 0)
    if user is None or not user.active or data.get("fp") != user.password_fingerprint():
        raise ValidationError(_("This password reset link is invalid, has expired or was already used."))
    return user


def reset_password(*, token: str, password: str) -> User:
    """Set a new password from a reset link; the link (and other sessions) stop working."""
    user = user_for_reset_token(token)
    user.password_hash = generate_password_hash(_check_password(password))
    newly_verified = user.email_verified_at is None
    if newly_verified:  # the link reached the mailbox: the address is confirmed
        user.email_verified_at = utcnow()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    _password_changed(user)
    if newly_verified:
        email_verified.send(user)
    return user


def change_password(*, user: User, current_password: str, new_password: str) -> User:
    """Change the password after checking the current one (field current_password)."""
    if not _password_matches(user, current_password):
        raise ValidationError(_("Your current password is incorrect."), field="current_password")
    user.password_hash = generate_password_hash(_check_password(new_password, field="new_password"))
    _password_changed(user)
    return user


def _password_changed(user: User) -> None:
    """Every other session ends (the entry point logs this browser in again); audited for staff."""
    sessions.end_other_sessions(user=user)
    if user.is_staff:
        audit.record(user, "password.changed", user)


# --- email change -------------------------------------------------------------------------------

def request_email_change(*, user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address and a notice to the current one."""
    if not _password_matches(user, password):
        raise ValidationError(_("Your current password is incorrect."), field="password")
    new_email = _valid_email(new_email, field="new_email")
    if new_email == user.email:
        raise ValidationError(_("This is already your email address."), field="new_email")
    _ensure_email_free(new_email, field="new_email")
    token = tokens.make_token("change-email", {"uid": user.id, "old": user.email, "new": new_email})
    _send("email_change", to=new_email, subject=_l("Confirm your new email address"), locale=user.locale,
          user=user, new_email=new_email,
          link=url_for("accounts.confirm_email", token=token, _external=True))
    _send("email_changed_notice", to=user.email, subject=_l("A change of email address was requested"),
          locale=user.locale, user=user, new_email=new_email,
          reset_link=url_for("accounts.forgot_password", _external=True))


def confirm_email_change(*, token: str) -> User:
    """Switch the account to the address in the link; it then stops working (old address differs)."""
    data = tokens.read_token("change-email", token) or {}
    user = db.session.get(User, data.get("uid") or 0)
    if user is None or user.email != data.get("old") or not data.get("new"):
        raise ValidationError(_("This confirmation link is invalid or has expired."))
    _ensure_email_free(data["new"], field=None)
    user.email, user.email_verified_at = data["new"], utcnow()
    db.session.flush()
    email_verified.send(user)
    return user


# --- staff --------------------------------------------------------------------------------------

def invite_staff(*, actor: User, email: str, role: Role) -> StaffInvite:
    """Invite someone to the staff with a one-time link (replacing older invites for the address)."""
    require(actor, "staff.manage")
    email, role = _valid_email(email), _role(role)
    if role not in STAFF_ROLES:
        raise ValidationError(_("Choose a staff role."), field="role")
    existing = user_by_email(email)
    if existing is not None and existing.is_staff:
        raise Conflict(_("%(email)s is already on the team.", email=email), field="email")
    db.session.execute(delete(StaffInvite).where(StaffInvite.email == email, StaffInvite.accepted_at.is_(None)))
    secret, token_hash = tokens.new_secret()
    max_age = current_app.config.get("INVITE_MAX_AGE_SECONDS", 7 * 24 * 3600)
    invite = StaffInvite(email=email, role=role, token_hash=token_hash, invited_by_id=actor.id,
                         expires_at=utcnow() + timedelta(seconds=max_age))
    db.session.add(invite)
    db.session.flush()
    audit.record(actor, "team.invited", email, {"role": role.value})
    _send("staff_invite", to=email, subject=_l("You are invited to join the %(site)s team",
                                                site=current_app.config["SITE_NAME"]),
          inviter=actor, role=role, days=max(1, max_age // 86400),
          link=url_for("accounts.accept_invite", token=secret, _external=True))
    return invite


def invite_for_token(token: str) -> StaffInvite:
    """The pending invite behind a link; ValidationError when unknown, expired or used."""
    invite = db.session.scalar(select(StaffInvite).where(StaffInvite.token_hash == tokens.hash_secret(token)))
    if invite is None or invite.accepted_at is not None or invite.expires_at < utcnow():
        raise ValidationError(_("This invitation has expired or was already used. "
                                "Ask a manager to send you a new one."))
    return invite


def accept_invite(*, token: str, name: str, password: str) -> User:
    """Join the staff from an invite: create the account (or promote the existing one)."""
    invite = invite_for_token(token)
    name, password = _clean_name(name, required=True), _check_password(password)
    user = user_by_email(invite.email)
    before = user.role.value if user is not None else None
    if user is None:
        user = create_user(email=invite.email, role=invite.role, password=password, name=name)
    else:  # the link reached their mailbox, which is as good as a password reset
        user.role, user.name = invite.role, name
        user.password_hash = generate_password_hash(password)
        user.email_verified_at = user.email_verified_at or utcnow()
    invite.accepted_at = utcnow()
    db.session.flush()
    audit.record(user, "team.joined", user, {"role": invite.role.value, "previous_role": before})
    return user


def change_role(*, actor: User | None, user: User, role: Role) -> User:
    """Give `user` a new role; `actor` must be a manager (None: the command line).
    Raises Conflict rather than leave the site without an active manager."""
    if actor is not None:
        require(actor, "staff.manage")
    role = _role(role)
    if user.role == Role.MANAGER and role != Role.MANAGER and user.active:
        others = db.session.scalar(select(func.count(User.id)).where(
            User.role == Role.MANAGER, User.active.is_(True), User.id != user.id))
        if not others:
            raise Conflict(_("%(email)s is the last manager: make someone else a manager first.",
                             email=user.email), field="role")
    before, user.role = user.role, role
    db.session.flush()
    if before != role:
        audit.record(actor, "team.role_changed", user, {"from": before.value, "to": role.value})
    return user
