"""Calls on tickets: an agent logs one as an internal note, or opens a ticket from one. The call's details
(number, direction, duration, recording) live in the message's meta, which the thread shows as a call card."""
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _

from portal.channels import contacts
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets import services as tickets
from portal.tickets.models import Channel, Ticket, TicketMessage

DIRECTIONS = ("inbound", "outbound")
MAX_DURATION = 24 * 3600
MAX_URL = 2000
_DURATION = re.compile(r"^(?:(\d{1,2}):)?(?:(\d{1,4}):)?(\d{1,5})$")


def parse_duration(value) -> int:
    """Seconds from "245", "4:05" or "1:02:03"; an empty value is 0; anything else a ValidationError."""
    text = str(value if value is not None else "").strip()
    if not text:
        return 0
    found = _DURATION.match(text) if text.isascii() else None
    if not found:
        raise ValidationError(_("Enter the duration as minutes:seconds (4:05) or seconds (245)."), field="duration")
    parts = [int(p) for p in found.groups() if p is not None]
    if len(parts) > 1 and any(p >= 60 for p in parts[1:]):
        raise ValidationError(_("Minutes and seconds go up to 59, such as 4:05."), field="duration")
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    if seconds > MAX_DURATION:
        raise ValidationError(_("A call lasts at most 24 hours."), field="duration")
    return seconds


def format_duration(seconds) -> str:
    """4:05 (or 1:02:03) for a number of seconds."""
    seconds = max(0, int(seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def safe_url(value) -> str | None:
    """The URL when it is a plain http(s) address (a recording link is shown to agents), else None."""
    text = str(value or "").strip()
    if not text or len(text) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def recording_url(value) -> str | None:
    """A recording link typed by an agent: empty is fine, anything but http(s) is a field error."""
    if not str(value or "").strip():
        return None
    url = safe_url(value)
    if url is None:
        raise ValidationError(_("Enter a link that starts with https:// or http://."), field="recording_url")
    return url


def direction_of(value) -> str:
    if value not in DIRECTIONS:
        raise ValidationError(_("Choose inbound or outbound."), field="direction")
    return value


def call_meta(*, number: str, direction: str, duration_seconds: int, recording_url: str | None = None,
              started_at: datetime | None = None, **extra) -> dict:
    """The `{"call": ...}` meta a call message carries."""
    call = {"number": number, "direction": direction, "duration_seconds": int(duration_seconds or 0),
            "recording_url": safe_url(recording_url),
            "started_at": (started_at or utcnow() - timedelta(seconds=duration_seconds or 0)).isoformat()}
    call.update({key: value for key, value in extra.items() if value not in (None, "")})
    return {"call": call}


def summary(call: dict) -> str:
    """One line about a call, for the message body."""
    values = {"number": call["number"], "duration": format_duration(call.get("duration_seconds"))}
    if call.get("status") == "missed":
        return _("Missed call from %(number)s.", **values) if call["direction"] == "inbound" else \
            _("Unanswered call to %(number)s.", **values)
    return _("Call from %(number)s (%(duration)s).", **values) if call["direction"] == "inbound" else \
        _("Call to %(number)s (%(duration)s).", **values)


def log_call(ticket: Ticket, *, number: str, direction: str, duration, notes: str = "", actor,
             recording: str | None = None) -> TicketMessage:
    """Log a call on a ticket as an internal note (channel phone) with the call in its meta.

    The number joins the ticket's customer record when it is no one else's. Raises ValidationError on a field.
    """
    number = _number(number)
    meta = call_meta(number=number, direction=direction_of(direction), duration_seconds=parse_duration(duration),
                     recording_url=recording_url(recording), agent=getattr(actor, "display_name", None))
    body = (notes or "").strip() or summary(meta["call"])
    message = tickets.add_note(ticket, body=body, actor=actor)
    message.channel, message.meta = Channel.PHONE, meta
    contact = contacts.of_ticket(ticket)
    owner = contacts.find("phone", number)
    if contact is not None and owner is None:
        contacts.add_identity(contact, "phone", number)
    # (a number on another customer's record stays there: staff can merge the two from the customer page)
    db.session.flush()
    return message


def open_from_call(*, number: str, name: str = "", direction: str, duration, notes: str = "",
                   subject: str = "", actor) -> Ticket:
    """Open a phone ticket for a caller: the contact is found (or created) by phone number; no email needed."""
    number = _number(number)
    direction = direction_of(direction)
    meta = call_meta(number=number, direction=direction, duration_seconds=parse_duration(duration),
                     agent=getattr(actor, "display_name", None))
    contact = contacts.contact_for("phone", number, name=(name or "").strip())
    requester, email = _requester(contact)
    subject = (subject or "").strip() or (_("Call from %(number)s", number=number) if direction == "inbound"
                                          else _("Call to %(number)s", number=number))
    return tickets.open_ticket(subject=subject, body=(notes or "").strip() or summary(meta["call"]),
                               channel=Channel.PHONE, requester=requester, email=email,
                               name=(name or "").strip() or contact.name or number, actor=actor,
                               contact_id=contact.id, channel_address=number, meta=meta)


def _number(value) -> str:
    try:
        return contacts.valid_phone(value)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="number") from None


def _requester(contact):
    """The customer account (when verified) or else the first known email of the caller, if any."""
    from portal.accounts.models import User

    user = db.session.get(User, contact.user_id) if contact.user_id else None
    if user is not None and user.email_verified:
        return user, None
    known = contacts.emails(contact)
    return None, (known[0] if known else None)
