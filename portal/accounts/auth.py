"""Flask-Login wiring: load the user of a session."""
from portal.accounts.models import User
from portal.extensions import db, login_manager


def load_user(session_id: str):
    """The active user a session id names, if its password fingerprint still matches."""
    user_id, _, fingerprint = str(session_id).partition(".")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or not user.active:
        return None
    # A bare id (no fingerprint) comes from sessions made before fingerprints; still signed by us.
    if fingerprint and fingerprint != user.password_fingerprint():
        return None
    return user


def init_app(app):
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
