"""The outbox as staff see it: managers only, one-time links hidden, tickets outside the viewer's scope left out."""
import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets.access import staff_can_see, staff_filter
from portal.tickets.models import Ticket

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
# Any route taking a <token> is a secret link: password reset, verification, invitation, guest ticket, unsubscribe.
SECRET_ARGUMENT = "token"


def _is_secret_link(url: str) -> bool:
    parts = urlsplit(url)
    adapter = current_app.url_map.bind(parts.netloc or "localhost", url_scheme=parts.scheme or "http")
    try:
        rule, _args = adapter.match(parts.path or "/", return_rule=True)
    except RequestRedirect as redirect:
        return _is_secret_link(redirect.new_url)
    except HTTPException:
        return False
    return SECRET_ARGUMENT in rule.arguments


def redact(text: str | None) -> str:
    """`text` with every one-time link replaced by a notice (the .eml on disk keeps it for the operator)."""
    hidden = _("[one-time link hidden]")
    return _URL.sub(lambda match: hidden if _is_secret_link(match.group(0)) else match.group(0), text or "")


def visible_mails(viewer, *, limit: int = 200) -> list[OutgoingMail]:
    """The latest mails `viewer` may read: mails about tickets outside their scope are left out."""
    in_scope = select(Ticket.id).where(staff_filter(viewer))
    query = (select(OutgoingMail).where(or_(OutgoingMail.ticket_id.is_(None), OutgoingMail.ticket_id.in_(in_scope)))
             .order_by(OutgoingMail.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def visible_mail(viewer, mail_id: int) -> OutgoingMail | None:
    """One mail if `viewer` may read it, else None."""
    item = db.session.get(OutgoingMail, mail_id)
    if item is None or item.ticket_id is None:
        return item
    ticket = db.session.get(Ticket, item.ticket_id)
    return item if ticket is not None and staff_can_see(viewer, ticket) else None


def redacted_eml(item: OutgoingMail) -> bytes:
    """The mail as an .eml download, with the same links hidden as on screen."""
    from portal.mail import build_message

    copy = OutgoingMail(to=item.to, subject=item.subject, text=redact(item.text),
                        html=redact(item.html) if item.html else None, message_id=item.message_id,
                        headers={name: redact(value) for name, value in (item.headers or {}).items()})
    return build_message(copy).as_bytes()
