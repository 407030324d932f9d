"""Two-factor login: TOTP codes (pyotp) and single-use recovery codes.

The secret is stored Fernet-encrypted (portal/orders/crypto.py, the same key as shop secrets) and is on
only once a code from the app confirmed it. An accepted code's time step is kept, so a code works once;
recovery codes are stored hashed and each works once. Code checks are throttled per account. Every
change ends the user's other sessions and, for staff, is written to the audit log. Services flush only.
"""
import calendar
import hashlib
import hmac
import re
import secrets

import pyotp
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit, ratelimit
from portal.accounts import sessions
from portal.accounts.models import RecoveryCode, User
from portal.errors import Conflict, RateLimited, ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.orders import crypto
from portal.permissions import require

STEP_SECONDS = 30  # what every authenticator app uses
VALID_WINDOW = 1  # accept the code of the step before and after too (clock drift, typing time)
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4  # xxxx-xxxx-xxxx: about 59 bits each


# --- throttling ---------------------------------------------------------------------------------

def _limit() -> tuple[int, int]:
    return current_app.config["LOGIN_MAX_ATTEMPTS"], current_app.config["LOGIN_WINDOW_SECONDS"]


def _check_throttle(kind: str, user: User) -> None:
    """RateLimited once `user` failed `kind` checks LOGIN_MAX_ATTEMPTS times in the login window."""
    limit, window = _limit()
    if ratelimit.count(kind, str(user.id), window_seconds=window) >= limit:
        minutes = max(1, window // 60)
        raise RateLimited(ngettext("Too many attempts. Please wait %(num)d minute and try again.",
                                   "Too many attempts. Please wait %(num)d minutes and try again.", minutes))


def _count_failure(kind: str, user: User) -> None:
    limit, window = _limit()
    ratelimit.allow([(kind, str(user.id), limit)], window_seconds=window)


def _confirm_password(user: User, password: str) -> None:
    """ValidationError on `password` unless it is the user's; throttled like code checks."""
    from portal.accounts.services import password_matches

    _check_throttle("reauth", user)
    if not password_matches(user, password):
        _count_failure("reauth", user)
        raise ValidationError(_("Your current password is incorrect."), field="password")


# --- TOTP ---------------------------------------------------------------------------------------

def _current_step() -> int:
    return calendar.timegm(utcnow().timetuple()) // STEP_SECONDS


def _digits(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "")


def _accept_code(user: User, secret: str | None, code: str | None) -> bool:
    """True when `code` is the secret's code for a step near now that is newer than the last one
    accepted; that step is stored atomically, so the same code (or an older one) never works twice."""
    code = _digits(code)
    if not secret or not re.fullmatch(r"[0-9]{6}", code):
        return False
    totp, now = pyotp.TOTP(secret, interval=STEP_SECONDS), _current_step()
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            taken = db.session.execute(
                update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step).execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                return False
            set_committed_value(user, "totp_last_step", step)
            return True
    return False


def setup_secret(*, user: User) -> str:
    """The secret being set up (made, and stored encrypted, on first call); Conflict when already on."""
    if user.two_factor_enabled:
        raise Conflict(_("Two-factor login is already on."))
    secret = crypto.decrypt(user.totp_secret)
    if not secret:
        secret = pyotp.random_base32()
        user.totp_secret = crypto.encrypt(secret)
        db.session.flush()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=current_app.config["SITE_NAME"])


def confirm_setup(*, user: User, code: str) -> list[str]:
    """Turn two-factor login on once `code` matches the pending secret; returns the new recovery codes.
    Raises ValidationError on `code` (a failure is counted: commit it), RateLimited, Conflict."""
    if user.two_factor_enabled:
        raise Conflict(_("Two-factor login is already on."))
    _check_throttle("two-factor", user)
    if not _accept_code(user, crypto.decrypt(user.totp_secret), code):
        _count_failure("two-factor", user)
        raise ValidationError(_("This code is not right. Enter the 6-digit code your app shows now."), field="code")
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    sessions.end_other_sessions(user=user)
    _record(user, "two_factor.enabled")
    return codes


def verify_login(*, user: User, code: str | None = None, recovery_code: str | None = None) -> str:
    """Check the second step of a login: "code" or "recovery_code", whichever was accepted.
    Raises RateLimited, or ValidationError on the field (the failure is counted: commit it)."""
    _check_throttle("two-factor", user)
    if recovery_code is not None:
        accepted, method, field = _use_recovery_code(user, recovery_code), "recovery_code", "recovery_code"
        message = _("This recovery code is not right or was already used.")
    else:
        accepted, method, field = _accept_code(user, crypto.decrypt(user.totp_secret), code), "code", "code"
        message = _("This code is not right or was already used. Enter the code your app shows now.")
    if not accepted:
        _count_failure("two-factor", user)
        sessions.record_failed_login(user=user, reason="two_factor")
        raise ValidationError(message, field=field)
    return method


def disable(*, user: User, password: str) -> None:
    """Turn two-factor login off after checking the password (field password); ends other sessions."""
    if not user.two_factor_enabled:
        raise Conflict(_("Two-factor login is already off."))
    _confirm_password(user, password)
    _clear(user)
    _record(user, "two_factor.disabled")


def reset(*, actor: User | None, user: User) -> None:
    """A manager (None: the command line) turns off someone's two-factor login after a lost phone;
    all their sessions end. Audited."""
    if actor is not None:
        require(actor, "staff.manage")
        if actor.id == user.id:
            raise ValidationError(_("To turn off your own two-factor login, use your account settings."))
    if not user.two_factor_enabled:
        raise Conflict(_("%(name)s does not use two-factor login.", name=user.display_name))
    _clear(user)
    audit.record(actor, "two_factor.reset", user)


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.end_other_sessions(user=user)


def _record(user: User, action: str) -> None:
    if user.is_staff:
        audit.record(user, action, user)


# --- recovery codes -----------------------------------------------------------------------------

def _normalise_recovery(code: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (code or "").lower())[:64]


def _hash_recovery(user: User, code: str) -> str:
    return hashlib.sha256(f"comptoir.recovery:{user.id}:{_normalise_recovery(code)}".encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; returns them (shown once)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
                      for _ in range(RECOVERY_GROUPS)) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(user, code)) for code in codes)
    db.session.flush()
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of `user`; True when it existed and was not used before."""
    if len(_normalise_recovery(code)) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH:
        return False
    found = db.session.scalar(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(user, code),
        RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    spent = db.session.execute(update(RecoveryCode).where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
                               .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return spent.rowcount == 1


def regenerate_recovery_codes(*, user: User, password: str) -> list[str]:
    """New recovery codes after checking the password (the old ones stop working); returns them."""
    if not user.two_factor_enabled:
        raise Conflict(_("Two-factor login is off."))
    _confirm_password(user, password)
    codes = _new_recovery_codes(user)
    _record(user, "two_factor.recovery_codes_regenerated")
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def qr_svg(uri: str, title: str) -> str:
    """The QR code of `uri` as an inline <svg> (dark on white, so it scans in dark mode too)."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title,
                                                svgclass="qr-code")
    return svg.replace("<svg ", '<svg role="img" ', 1)
