"""Two-factor helpers for tests: the stored secret, the code an authenticator app shows now, and
turning two-factor login on through the real pages."""
import calendar
import re
from html import unescape

import pyotp

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import utcnow
from portal.orders import crypto

CODE_PAGE = "/login/two-factor"
SETUP = "/portal/settings/two-factor"


def stored_secret(user_id: int) -> str:
    """The TOTP secret as the app stored it (decrypted with the app's key)."""
    db.session.expire_all()
    return crypto.decrypt(db.session.get(User, user_id).totp_secret)


def code_now(secret: str, *, steps_later: int = 0) -> str:
    """What an authenticator app shows at the site's current time (the tests' clock included)."""
    now = calendar.timegm(utcnow().timetuple()) + 30 * steps_later
    return pyotp.TOTP(secret).at(now)


def recovery_codes_in(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)


def turn_on(client, user_id: int) -> tuple[str, list[str]]:
    """Set up two-factor login for the logged-in `client`; returns (secret, recovery codes)."""
    assert client.get(SETUP).status_code == 200
    secret = stored_secret(user_id)
    response = client.post(SETUP, data={"code": code_now(secret)})
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    codes = recovery_codes_in(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def text(response) -> str:
    return unescape(response.get_data(as_text=True))
