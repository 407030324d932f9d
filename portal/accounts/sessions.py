"""Sessions: ending every other session of a user at once, and the staff's login record.

A session id (and the remember-me cookie, which holds the same id) ends in the user's session epoch
(User.get_id); raising the epoch makes auth.load_user refuse every id issued before. The entry point
then logs the current browser in again with the new id, so only the *other* sessions end.
"""
from portal import audit
from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import utcnow


def end_other_sessions(*, user: User) -> None:
    """Invalidate every session and remember-me cookie of `user` issued so far (flushes)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    db.session.flush()


def log_out_other_sessions(*, user: User) -> None:
    """The "log out other sessions" button: end them, and note it in the audit log for staff."""
    end_other_sessions(user=user)
    if user.is_staff:
        audit.record(user, "sessions.revoked", user)


def record_login(*, user: User, two_factor: str | None) -> None:
    """A login completed (every factor given): its time, and for staff an audit row
    (two_factor: None, "code" or "recovery_code")."""
    user.last_login_at = utcnow()
    db.session.flush()
    if user.is_staff:
        audit.record(user, "login.succeeded", user, {"two_factor": two_factor} if two_factor else None)


def record_failed_login(*, user: User | None, reason: str) -> None:
    """Note a failed login to a staff account ("password" or "two_factor"); other failures are only throttled."""
    if user is not None and user.is_staff:
        audit.record(user, "login.failed", user, {"reason": reason})
