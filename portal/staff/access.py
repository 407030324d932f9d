"""Access decorators for staff pages, built on portal.permissions."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from portal.permissions import can


def permission_required(permission: str):
    """Require login, then `permission`; anyone else gets a 404 (staff pages are not advertised)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(404)
            return view(*args, **kwargs)
        return wrapped
    return decorator


staff_required = permission_required("staff.access")
