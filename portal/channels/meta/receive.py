"""A signed Meta webhook POST, stored: each customer message once (by wamid / mid) through the one inbound
function, media fetched from the Graph API, statuses onto the replies we sent. The caller commits."""
import hashlib
import hmac
import mimetypes
import os
import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import accounts, contacts, delivery
from portal.channels import inbound as channel_inbound
from portal.channels.inbound import IDENTITY_OF, InboundMessage
from portal.channels.meta import graph, services
from portal.channels.meta.parsing import Ignored, Incoming, StatusChange
from portal.channels.webhooks import same
from portal.extensions import db
from portal.tickets import services as tickets
from portal.tickets.models import AuthorKind, Ticket, TicketMessage

CHANNEL_NAMES = {"whatsapp": "WhatsApp", "messenger": "Messenger", "instagram": "Instagram"}
_SAFE_LINK = re.compile(r"https?://[^\s<>]+")


def signed(account, raw: bytes, header: str | None) -> bool:
    """X-Hub-Signature-256: sha256=HMAC-SHA256(app secret, raw body), compared in constant time."""
    secret = accounts.secret(account, "app_secret")
    if not secret or not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return same(expected, header.strip().lower())


def handle(account, events: list) -> dict:
    """Store every event of one POST; the answer lists what became of each."""
    results = []
    for event in events:
        target = _route(account, event.to)
        if target is None:
            results.append({"outcome": "ignored", "reason": "not addressed to this channel"})
        elif isinstance(event, Incoming):
            results.append(_message(target, event))
        elif isinstance(event, StatusChange):
            results.append(_status(target, event))
        else:
            results.append(_ignored(target, event))
    return {"received": len(events), "results": results}


def _route(account, to: str):
    """The account an event is for: this one, or another of ours on the same Meta app (one callback URL
    serves every number or page the app subscribes), else None."""
    if not to or to == account.address:
        return account
    other = accounts.find_by_address(account.kind, to)
    if other is None or not other.enabled:
        return None
    return other if same(accounts.secret(account, "app_secret") or "", accounts.secret(other, "app_secret")) else None


def _message(account, event: Incoming) -> dict:
    known = channel_inbound.seen(account, event.id)
    if known is not None:  # a retry by Meta: nothing fetched or stored again
        return {"outcome": "duplicate", "ticket": None, "reason": "this message was already received"}
    attachments, problems = _fetch_media(account, event.media)
    body, meta = _body(account, event, bool(attachments), bool(problems))
    result = channel_inbound.receive(account, InboundMessage(
        external_id=event.id, sender=event.sender, body=body, sender_name=event.name, attachments=attachments,
        meta=meta))
    if problems and result.message_id:
        ticket = db.session.get(Ticket, db.session.get(TicketMessage, result.message_id).ticket_id)
        for problem in problems:
            tickets.add_system_message(ticket, problem, public=False)
    return result.as_dict()


def _body(account, event: Incoming, has_files: bool, failed: bool) -> tuple[str, dict | None]:
    channel = CHANNEL_NAMES[account.kind]
    lines, meta = [event.text] if event.text and event.kind != "unsupported" else [], None
    if event.kind == "unsupported":
        lines = [_("(A %(channel)s message of type “%(type)s”, which cannot be shown here: see it in %(channel)s.)",
                   channel=channel, type=event.text[:40])]
    if event.location:
        lines.insert(0, location_text(event.location))
        meta = {"location": event.location}
    lines += [f"<{url}>" if _SAFE_LINK.fullmatch(url) else url for url in event.links]
    if not lines and not has_files and failed:
        lines = [_("(The customer sent a file that could not be fetched.)")]
    return "\n\n".join(lines), meta


def location_text(location: dict) -> str:
    """ "Location: lat, long (name)" and a map link built from the two numbers only (nothing else of the
    payload goes into the address), rendered by the one sanitiser like any message."""
    lat, lng = location["latitude"], location["longitude"]
    label = location.get("name") or location.get("address")
    text = _("Location: %(lat)s, %(lng)s", lat=lat, lng=lng) + (f" ({label})" if label else "")
    return f"{text}\n\n<https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=17/{lat}/{lng}>"


def _fetch_media(account, media: list) -> tuple[list, list[str]]:
    """Each file as (name, bytes); a file Meta would not give us becomes a note for the agent."""
    files, problems = [], []
    limit = current_app.config["CHANNEL_MEDIA_MAX_BYTES"]
    token = accounts.secret(account, "access_token")
    for item in media:
        try:
            if item.media_id:  # WhatsApp: GET {base}/{media id} -> url, then GET url with the token
                info = graph.get_json(services.graph_base(account), item.media_id, token or "")
                data, content_type = graph.download(str(info.get("url") or ""), token, limit)
                mime = info.get("mime_type") or item.mime_type or content_type
            else:
                data, content_type = graph.download(item.url, None, limit)
                mime = content_type
        except graph.GraphError as exc:
            problems.append(_("A file (%(kind)s) could not be fetched from Meta: %(reason)s",
                              kind=item.kind, reason=exc.reason))
            continue
        files.append((_filename(item, mime, len(files) + 1), data))
    return files, problems


def _filename(item, mime: str | None, number: int) -> str:
    if item.filename:
        return item.filename[:200]
    if item.url:
        base = os.path.basename(urlsplit(item.url).path)
        if "." in base:
            return base[:200]
    extension = mimetypes.guess_extension((mime or "").split(";")[0].strip()) or ""
    return f"{item.kind}-{number}{extension}"


def _status(account, event: StatusChange) -> dict:
    if channel_inbound.seen(account, event.key) is not None:
        return {"outcome": "duplicate", "reason": "this status was already received"}
    matched = sum(bool(delivery.update_status(account, message_id, event.status, event.error))
                  for message_id in event.ids)
    if event.watermark is not None and event.recipient:
        matched += _up_to_watermark(account, event)
    outcome = "status" if matched else "ignored"
    reason = event.status if matched else f"{event.status}: not a message sent from here"
    channel_inbound.record_event(account, event.key, "status", outcome, reason)
    return {"outcome": outcome, "reason": reason}


def _up_to_watermark(account, event: StatusChange) -> int:
    """Messenger: every reply to that person sent before the watermark (ms) was delivered or read."""
    until = datetime.fromtimestamp(event.watermark / 1000, tz=timezone.utc).replace(tzinfo=None)
    earlier = ("sent",) if event.status == "delivered" else ("sent", "delivered")
    address = contacts.normalize(IDENTITY_OF[account.kind], event.recipient)
    ids = db.session.scalars(select(TicketMessage.external_id).join(Ticket, Ticket.id == TicketMessage.ticket_id)
                             .where(Ticket.channel_account_id == account.id, Ticket.channel_address == address,
                                    TicketMessage.author_kind == AuthorKind.AGENT,
                                    TicketMessage.external_id.is_not(None),
                                    TicketMessage.delivery_status.in_(earlier),
                                    TicketMessage.created_at <= until)).all()
    return sum(bool(delivery.update_status(account, message_id, event.status)) for message_id in ids)


def _ignored(account, event: Ignored) -> dict:
    if event.key and channel_inbound.seen(account, event.key) is None:
        channel_inbound.record_event(account, event.key, "message", "ignored", event.reason)
    return {"outcome": "ignored", "reason": event.reason}
