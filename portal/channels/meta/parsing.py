"""Meta's webhook payloads read into plain events, before anything is stored: a POST with a missing field is
refused whole (400), so one bad entry never leaves the others half-written.

WhatsApp: entry[].changes[].value with metadata.phone_number_id, contacts[] (profile.name, wa_id),
messages[] and statuses[]. Messenger and Instagram: entry[].messaging[] with sender.id, recipient.id and a
message (mid, text, attachments[]), a postback, a delivery (mids, watermark) or a read (watermark or mid).
"""
from dataclasses import dataclass, field

from portal.channels.webhooks import Rejected

OBJECTS = {"whatsapp": "whatsapp_business_account", "messenger": "page", "instagram": "instagram"}
WHATSAPP_MEDIA = ("image", "document", "audio", "video", "sticker")
MESSENGER_MEDIA = ("image", "video", "audio", "file")
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


@dataclass
class Media:
    kind: str  # image | document | audio | video | sticker | file
    media_id: str | None = None  # WhatsApp: fetched through the Graph API
    url: str | None = None  # Messenger / Instagram: the attachment's payload.url
    filename: str | None = None
    mime_type: str | None = None


@dataclass
class Incoming:
    """A customer's message to one of our accounts (`to`: phone-number id, page id or Instagram id)."""
    to: str
    id: str
    sender: str
    kind: str  # text | media | location | unsupported ...
    text: str = ""
    name: str = ""
    media: list = field(default_factory=list)
    location: dict | None = None
    links: list = field(default_factory=list)  # shared posts, stories: shown as addresses


@dataclass
class StatusChange:
    """What Meta says about messages we sent: by id (WhatsApp, Messenger delivery.mids, Instagram read.mid)
    or every message to `recipient` up to a watermark (Messenger, milliseconds)."""
    to: str
    key: str  # the event's own id, for idempotency
    status: str
    ids: list = field(default_factory=list)
    error: str | None = None
    recipient: str | None = None
    watermark: int | None = None


@dataclass
class Ignored:
    to: str
    key: str | None
    reason: str


def parse(kind: str, data: dict) -> list:
    """The events of one webhook POST for an account of `kind`; Rejected(400) when a field is missing."""
    if data.get("object") != OBJECTS[kind]:
        return [Ignored("", None, f"object {str(data.get('object'))[:40]!r} is not for a {kind} channel")]
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise Rejected(400, "missing_field", "entry must be a list")
    events = []
    for entry in entries:
        _need(isinstance(entry, dict), "each entry must be an object")
        events.extend(_whatsapp_entry(entry) if kind == "whatsapp" else _messaging_entry(entry))
    return events


def _need(condition, message: str) -> None:
    if not condition:
        raise Rejected(400, "missing_field", message)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _id(value, what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    _need(isinstance(value, str) and value.strip(), f"{what} is missing")
    return value.strip()


# --- WhatsApp -------------------------------------------------------------------------------------

def _whatsapp_entry(entry: dict) -> list:
    changes = entry.get("changes")
    _need(isinstance(changes, list), "entry.changes must be a list")
    events = []
    for change in changes:
        _need(isinstance(change, dict) and isinstance(change.get("value"), dict), "changes[].value is missing")
        value = change["value"]
        if change.get("field", "messages") != "messages":
            events.append(Ignored("", None, f"field {str(change.get('field'))[:40]} is not read here"))
            continue
        messages, statuses = value.get("messages") or [], value.get("statuses") or []
        _need(isinstance(messages, list) and isinstance(statuses, list), "messages and statuses must be lists")
        if not messages and not statuses:
            events.append(Ignored("", None, "no messages or statuses"))
            continue
        metadata = value.get("metadata")
        _need(isinstance(metadata, dict), "value.metadata is missing")
        to = _id(metadata.get("phone_number_id"), "metadata.phone_number_id")
        names = _contact_names(value.get("contacts"))
        events.extend(_whatsapp_message(to, m, names) for m in messages)
        events.extend(_whatsapp_status(to, s) for s in statuses)
    return events


def _contact_names(contacts) -> dict:
    names = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if isinstance(contact, dict) and contact.get("wa_id"):
            profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
            names[str(contact["wa_id"])] = _text(profile.get("name"))
    return names


def _whatsapp_message(to: str, message, names: dict) -> Incoming | Ignored:
    _need(isinstance(message, dict), "messages[] must be objects")
    sender, kind = _id(message.get("from"), "messages[].from"), _text(message.get("type")) or "unknown"
    incoming = Incoming(to=to, id=_id(message.get("id"), "messages[].id"), sender=sender, kind=kind,
                        name=names.get(sender, ""))
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        incoming.text = _text(body.get("body"))
    elif kind in WHATSAPP_MEDIA:
        incoming.kind, incoming.text = "media", _text(body.get("caption"))
        incoming.media = [Media(kind, media_id=_id(body.get("id"), f"messages[].{kind}.id"),
                                filename=_text(body.get("filename")) or None,
                                mime_type=_text(body.get("mime_type")) or None)]
    elif kind == "location":
        incoming.location = _location(body.get("latitude"), body.get("longitude"), body.get("name"),
                                      body.get("address"))
    elif kind == "button":  # a template's quick-reply button
        incoming.kind, incoming.text = "text", _text(body.get("text"))
    elif kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        incoming.kind, incoming.text = "text", _text(reply.get("title") if isinstance(reply, dict) else "")
    elif kind == "reaction":
        return Ignored(to, incoming.id, "a reaction")
    else:
        incoming.kind, incoming.text = "unsupported", kind
    return incoming


def _whatsapp_status(to: str, status) -> StatusChange | Ignored:
    _need(isinstance(status, dict), "statuses[] must be objects")
    message_id, name = _id(status.get("id"), "statuses[].id"), _id(status.get("status"), "statuses[].status")
    if name not in STATUSES:
        return Ignored(to, None, f"status {name[:20]} is not tracked")
    return StatusChange(to=to, key=f"status:{message_id}:{name}", status=name, ids=[message_id],
                        error=_whatsapp_error(status.get("errors")) if name == "failed" else None)


def _whatsapp_error(errors) -> str:
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    data = first.get("error_data") if isinstance(first.get("error_data"), dict) else {}
    reason = _text(data.get("details")) or _text(first.get("message")) or _text(first.get("title"))
    code = first.get("code")
    reason = reason or "WhatsApp did not deliver the message"
    return f"{reason} [code {code}]" if code is not None else reason


def _location(latitude, longitude, name=None, address=None) -> dict | None:
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise Rejected(400, "missing_field", "location latitude and longitude must be numbers") from None
    _need(-90 <= lat <= 90 and -180 <= lng <= 180, "location is out of range")
    return {"latitude": lat, "longitude": lng, "name": _text(name)[:200], "address": _text(address)[:300]}


# --- Messenger and Instagram ----------------------------------------------------------------------

def _messaging_entry(entry: dict) -> list:
    items = entry.get("messaging")
    if items is None:  # standby (handover), changes (comments...): nothing for the desk
        return [Ignored("", None, "entry without messaging events")]
    _need(isinstance(items, list), "entry.messaging must be a list")
    return [_messaging_event(item) for item in items]


def _messaging_event(item):
    _need(isinstance(item, dict), "messaging[] must be objects")
    sender = _id((item.get("sender") or {}).get("id") if isinstance(item.get("sender"), dict) else None,
                 "messaging[].sender.id")
    to = _id((item.get("recipient") or {}).get("id") if isinstance(item.get("recipient"), dict) else None,
             "messaging[].recipient.id")
    if isinstance(item.get("message"), dict):
        return _messaging_message(item["message"], sender, to)
    if isinstance(item.get("postback"), dict):
        postback = item["postback"]
        mid = postback.get("mid") or f"postback:{sender}:{item.get('timestamp')}"
        return Incoming(to=to, id=_id(mid, "postback.mid"), sender=sender, kind="text",
                        text=_text(postback.get("title")) or _text(postback.get("payload")))
    if isinstance(item.get("delivery"), dict):
        return _receipt(item["delivery"], "delivered", sender, to)
    if isinstance(item.get("read"), dict):
        return _receipt(item["read"], "read", sender, to)
    return Ignored(to, None, "an event the desk does not use")


def _messaging_message(message: dict, sender: str, to: str):
    mid = _id(message.get("mid"), "message.mid")
    if message.get("is_echo"):
        return Ignored(sender, mid, "our own message (echo)")  # the page sent it: sender is the page
    if message.get("is_deleted"):
        return Ignored(to, None, "the customer deleted a message")
    incoming = Incoming(to=to, id=mid, sender=sender, kind="text", text=_text(message.get("text")))
    attachments = message.get("attachments") or []
    _need(isinstance(attachments, list), "message.attachments must be a list")
    for attachment in attachments:
        _need(isinstance(attachment, dict), "message.attachments[] must be objects")
        kind = _text(attachment.get("type"))
        payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
        url = _text(payload.get("url"))
        if kind in MESSENGER_MEDIA and url:
            incoming.kind = "media"
            incoming.media.append(Media(kind, url=url))
        elif kind == "location" and isinstance(payload.get("coordinates"), dict):
            coordinates = payload["coordinates"]
            incoming.kind = "location"
            incoming.location = _location(coordinates.get("lat"), coordinates.get("long"), attachment.get("title"))
        elif url:
            incoming.links.append(url)
        elif not incoming.text:
            incoming.kind, incoming.text = "unsupported", kind or "unknown"
    return incoming


def _receipt(receipt: dict, status: str, sender: str, to: str) -> StatusChange:
    mids = receipt.get("mids") or ([receipt["mid"]] if receipt.get("mid") else [])
    _need(isinstance(mids, list), f"{status}.mids must be a list")
    watermark = receipt.get("watermark")
    if watermark is not None and (not isinstance(watermark, int) or isinstance(watermark, bool)):
        raise Rejected(400, "missing_field", f"{status}.watermark must be a number")
    _need(mids or watermark is not None, f"{status} needs mids or a watermark")
    ids = [_id(mid, f"{status}.mids[]") for mid in mids]
    key = f"{status}:{sender}:{watermark if watermark is not None else ','.join(ids)}"
    return StatusChange(to=to, key=key[:255], status=status, ids=ids, recipient=sender, watermark=watermark)
