"""Call events in the shape Aircall sends them: {"resource": "call", "event": "call.ended", "token", "data"}.

Aircall signs nothing: each body carries the webhook's token, compared in constant time with the stored one.
Each (call, event) is stored once. call.ended files the call on the caller's open ticket (a note) or opens
a phone ticket through the one inbound function; the other call events are only recorded.
"""
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.channels import accounts, contacts, inbound
from portal.channels.phone import calls
from portal.channels.webhooks import Rejected, account_for, json_body, raw_body, same
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets import services as tickets
from portal.tickets.models import UNSOLVED, Channel, Ticket

TOKEN_KEY = "webhook_token"
MAX_TIMESTAMP = 2**33  # year 2242: beyond it a "timestamp" is garbage, not a date


@dataclass
class CallEvent:
    event: str
    call_id: str
    direction: str | None
    number: str
    duration: int
    started_at: datetime | None
    answered: bool
    recording: str | None
    caller_name: str
    agent: str | None

    @property
    def key(self) -> str:
        return f"call:{self.call_id}:{self.event}"[:255]


def handle(account_id: int) -> dict:
    """The whole webhook: 404 unknown account, 413 oversize, 400 malformed, 401 bad token; then store once."""
    account = account_for(account_id, "phone")
    data = json_body(raw_body())
    token = data.get("token")
    if not same(accounts.secret(account, TOKEN_KEY) or "", token if isinstance(token, str) else None):
        raise Rejected(401, "bad_token", "missing or wrong token")
    if data.get("resource") != "call":
        return {"outcome": "ignored", "reason": "not a call event"}
    event = parse(data)
    known = inbound.seen(account, event.key)
    if known is not None:
        return {"outcome": "duplicate", "ticket": _number(known.ticket_id), "reason": "already received"}
    if event.event != "call.ended":
        inbound.record_event(account, event.key, "call", "recorded", event.event)
        return {"outcome": "recorded", "ticket": None, "reason": event.event}
    return file_call(account, event)


def parse(data: dict) -> CallEvent:
    """The call event, or Rejected(400) naming what is malformed."""
    name, call = data.get("event"), data.get("data")
    if not isinstance(name, str) or not name.startswith("call.") or len(name) > 60:
        raise Rejected(400, "bad_event", "event must be a call event name such as call.ended")
    if not isinstance(call, dict):
        raise Rejected(400, "bad_data", "data must be the call object")
    call_id = call.get("id")
    if isinstance(call_id, bool) or not isinstance(call_id, (int, str)) or not str(call_id).strip() \
            or len(str(call_id)) > 64:
        raise Rejected(400, "bad_call_id", "data.id must be the call id")
    direction = call.get("direction")
    if direction is not None and direction not in calls.DIRECTIONS:
        raise Rejected(400, "bad_direction", "data.direction must be inbound or outbound")
    if name == "call.ended" and direction is None:
        raise Rejected(400, "bad_direction", "data.direction is required on call.ended")
    duration = call.get("duration")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)
                                 or not 0 <= duration <= calls.MAX_DURATION):
        raise Rejected(400, "bad_duration", "data.duration must be a number of seconds")
    started = _time(call, "started_at")
    if duration is None and started and _time(call, "ended_at"):
        duration = max(0, int((_time(call, "ended_at") - started).total_seconds()))
    return CallEvent(event=name, call_id=str(call_id).strip(), direction=direction,
                     number=_digits(call.get("raw_digits")), duration=min(duration or 0, calls.MAX_DURATION),
                     started_at=started, answered=_time(call, "answered_at") is not None,
                     recording=calls.safe_url(call.get("asset")) or calls.safe_url(call.get("recording")),
                     caller_name=_name(call.get("contact")), agent=_agent(call.get("user")))


def file_call(account, event: CallEvent) -> dict:
    """A finished call: a note on the caller's open ticket, else a new phone ticket (through inbound)."""
    if not contacts.E164.match(event.number):
        inbound.record_event(account, event.key, "call", "ignored", "no caller number (anonymous call)")
        return {"outcome": "ignored", "ticket": None, "reason": "no caller number"}
    meta = calls.call_meta(number=event.number, direction=event.direction, duration_seconds=event.duration,
                           recording_url=event.recording, started_at=event.started_at,
                           status="answered" if event.answered else "missed", agent=event.agent,
                           provider_id=event.call_id)
    body = calls.summary(meta["call"])
    ticket = open_ticket_of(contacts.find("phone", event.number))
    if ticket is not None:
        note = tickets.add_system_message(ticket, body, public=False)
        note.channel, note.meta, note.external_id = Channel.PHONE, meta, event.key
        ticket.updated_at = utcnow()
        inbound.record_event(account, event.key, "call", "note", ticket_id=ticket.id)
        return {"outcome": "note", "ticket": ticket.number, "reason": "added to the caller's open ticket"}
    subject = _("Call from %(number)s", number=event.number) if event.direction == "inbound" else \
        _("Call to %(number)s", number=event.number)
    result = inbound.receive(account, inbound.InboundMessage(
        external_id=event.key, sender=event.number, body=body, sender_name=event.caller_name, meta=meta,
        subject=subject))
    return result.as_dict()


def open_ticket_of(contact) -> Ticket | None:
    """The contact's newest unsolved ticket, a phone one first (merged tickets are skipped)."""
    if contact is None:
        return None
    emails = contacts.emails(contact)
    whose = or_(Ticket.contact_id == contact.id, Ticket.requester_email.in_(emails)) if emails else \
        Ticket.contact_id == contact.id
    return db.session.scalar(select(Ticket).where(whose, Ticket.merged_into_id.is_(None), Ticket.status.in_(UNSOLVED))
                             .order_by((Ticket.channel == Channel.PHONE).desc(), Ticket.id.desc()).limit(1))


def _time(call: dict, key: str) -> datetime | None:
    value = call.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < MAX_TIMESTAMP:
        return None
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def _digits(value) -> str:
    return contacts.normalize("phone", value) if isinstance(value, str) and len(value) <= 40 else ""


def _name(contact) -> str:
    if not isinstance(contact, dict):
        return ""
    parts = [contact.get("first_name"), contact.get("last_name")]
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return name[:120]


def _agent(user) -> str | None:
    name = user.get("name") if isinstance(user, dict) else None
    return name.strip()[:120] if isinstance(name, str) and name.strip() else None


def _number(ticket_id):
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    return ticket.number if ticket else None
