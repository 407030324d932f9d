"""Login plumbing shared by the account pages: the landing page, the device cookie, the half-logged-in
state between the password and the second factor, and keeping this browser logged in after the
session epoch moved."""
import calendar

from flask import current_app, redirect, request, session, url_for
from flask_login import login_user

from portal.accounts import services, sessions
from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import utcnow
from portal.permissions import can

DEVICE_COOKIE = "device"
PENDING_KEY = "two_factor_pending"
PENDING_MAX_SECONDS = 10 * 60  # a password checked this long ago needs to be typed again


def _now() -> int:
    return calendar.timegm(utcnow().timetuple())


def landing(user) -> str:
    return url_for("staff.home") if can(user, "staff.access") else url_for("portal.home")


def finish_login(user: User, *, remember: bool, target: str | None, two_factor: str | None = None):
    """Log `user` in for real (after every factor): audit, commit, session, device cookie; the redirect."""
    session.pop(PENDING_KEY, None)
    sessions.record_login(user=user, two_factor=two_factor)
    db.session.commit()
    login_user(user, remember=remember)
    response = redirect(target or landing(user))
    response.set_cookie(DEVICE_COOKIE, services.device_token(user), max_age=services.DEVICE_MAX_AGE,
                        httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def begin_second_step(user: User, *, remember: bool, target: str | None):
    """The password was right: remember that (and nothing more) until the code is given."""
    session[PENDING_KEY] = {"sid": user.get_id(), "remember": bool(remember), "next": target or "",
                            "at": _now()}
    return redirect(url_for("security.two_factor_login"))


def pending_login() -> tuple[User | None, dict]:
    """The user half logged in by this browser, if the password step is recent and still valid."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or _now() - int(pending.get("at") or 0) > PENDING_MAX_SECONDS:
        return None, {}
    user_id = str(pending.get("sid") or "").partition(".")[0]
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    # A new password, a raised epoch or a disabled account since the password step: start again.
    if user is None or not user.active or user.get_id() != pending.get("sid") or not user.two_factor_enabled:
        return None, {}
    return user, pending


def stay_logged_in(user: User) -> None:
    """After the epoch (or password) changed, log this browser in again under the new session id."""
    remembered = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    login_user(user, remember=bool(remembered))
