"""Flask-Login wiring: load the user of a session; staff sent to set up two-factor login when required."""
from flask import redirect, request, url_for
from flask_login import current_user

from portal.accounts.models import User
from portal.extensions import db, login_manager

# What a staff member who must still set up two-factor login may open (everything else sends them there).
SETUP_ENDPOINTS = {"static", "security.two_factor_setup", "accounts.logout", "site.set_language"}
UNGATED_PATHS = ("/api/", "/hooks/", "/static/")  # token- and signature-authenticated: no session here


def load_user(session_id: str):
    """The active user a session id names, if its password fingerprint and session epoch still match."""
    user_id, _, rest = str(session_id).partition(".")
    fingerprint, _, epoch = rest.partition(".")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active:
        return None
    # A bare id (no fingerprint) comes from sessions made before fingerprints; still signed by us.
    if fingerprint and fingerprint != user.password_fingerprint():
        return None
    # Sessions made before epochs count as epoch 0, so "log out other sessions" ends them too.
    if (epoch or "0") != str(user.session_epoch or 0):
        return None
    return user


def require_two_factor_setup():
    """When managers require it, a staff member without two-factor login can only set it up (or leave)."""
    if request.endpoint in SETUP_ENDPOINTS or request.path.startswith(UNGATED_PATHS):
        return None
    if not current_user.is_authenticated or not current_user.is_staff or current_user.two_factor_enabled:
        return None
    from portal.accounts import policy

    if not policy.staff_two_factor_required():
        return None
    return redirect(url_for("security.two_factor_setup"))


def init_app(app):
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    app.before_request(require_two_factor_setup)
