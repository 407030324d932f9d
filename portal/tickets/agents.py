"""An agent's own desk settings: the Markdown signature below their mailed replies."""
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.errors import ValidationError
from portal.extensions import db
from portal.permissions import require
from portal.tickets.models import AgentSetting, Scope

MAX_SIGNATURE = 2000


def signature_of(user: User) -> str | None:
    """The agent's saved signature (Markdown), or None."""
    setting = db.session.get(AgentSetting, user.id)
    return setting.signature if setting is not None and setting.signature else None


def set_signature(user: User, text: str | None) -> str | None:
    """Save `user`'s own signature (empty clears it) and return it. PermissionDenied for anyone who does not
    work tickets; ValidationError on "signature" over MAX_SIGNATURE characters, with nothing changed."""
    require(user, "tickets.work")
    text = (text or "").replace("\r\n", "\n").strip()  # browsers send CRLF; count a line break once
    if len(text) > MAX_SIGNATURE:
        raise ValidationError(_("The signature is too long (at most %(num)d characters).", num=MAX_SIGNATURE),
                              field="signature")
    # No row yet: the scope an agent without one already has (access.agent_scope), so nothing widens.
    setting = db.session.get(AgentSetting, user.id) or AgentSetting(user_id=user.id, scope=Scope.ASSIGNED)
    setting.signature = text or None
    db.session.add(setting)
    db.session.flush()
    return setting.signature
