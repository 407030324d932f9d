"""SMS through Twilio: connect a number, take its inbound messages (MMS media, STOP/START) and the
status of what we sent. Every message goes through the one inbound function; the caller commits."""
import mimetypes
import re
import urllib.parse

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import accounts, contacts, inbound
from portal.channels import delivery
from portal.channels.models import ChannelAccount, ChannelEvent, ChannelOptOut
from portal.channels.sms import twilio
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets import services as tickets
from portal.tickets.models import Ticket, TicketGroup, TicketMessage

KIND = "sms"
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
AUTH_TOKEN = re.compile(r"^[0-9a-fA-F]{32}$")
# Twilio's default opt-out and opt-in keywords: the whole message, any case.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
MAX_MEDIA = 10  # Twilio delivers at most 10 media per MMS
EXTENSIONS = {"image/jpeg": "jpg", "image/jpg": "jpg", "image/png": "png", "image/gif": "gif",
              "image/webp": "webp", "application/pdf": "pdf", "text/plain": "txt", "text/csv": "csv",
              "image/svg+xml": "svg", "text/vcard": "vcf", "text/x-vcard": "vcf"}


# --- the account --------------------------------------------------------------------------------

def save_sms_account(account: ChannelAccount | None = None, *, name: str, number: str, account_sid: str,
                     auth_token: str | None = None, messaging_service_sid: str | None = None,
                     group_id: int | None = None, enabled: bool = True,
                     api_base: str | None = None) -> ChannelAccount:
    """Create or change a Twilio number; an empty auth token keeps the stored one. Errors name the field."""
    number = contacts.valid_phone(number)
    other = accounts.find_by_address(KIND, number)
    if other is not None and other is not account:
        raise ValidationError(_("Another SMS channel already uses this number."), field="number")
    account_sid = (account_sid or "").strip()
    if not ACCOUNT_SID.match(account_sid):
        raise ValidationError(_("An Account SID starts with AC followed by 32 letters and digits."),
                              field="account_sid")
    auth_token = (auth_token or "").strip()
    if auth_token and not AUTH_TOKEN.match(auth_token):
        raise ValidationError(_("An Auth Token is 32 letters and digits (0-9, a-f)."), field="auth_token")
    if not auth_token and (account is None or not accounts.secret(account, "auth_token")):
        raise ValidationError(_("Enter the Auth Token."), field="auth_token")
    service = (messaging_service_sid or "").strip()
    if service and not SERVICE_SID.match(service):
        raise ValidationError(_("A Messaging Service SID starts with MG followed by 32 letters and digits."),
                              field="messaging_service_sid")
    if group_id is not None and db.session.get(TicketGroup, group_id) is None:
        raise ValidationError(_("Choose a group from the list."), field="group_id")
    settings = {"account_sid": account_sid, "messaging_service_sid": service or None,
                "api_base": _api_base(api_base)}
    return accounts.save_account(kind=KIND, name=name, address=number, settings=settings,
                                 secrets={"auth_token": auth_token}, group_id=group_id, enabled=enabled,
                                 account=account)


def _api_base(value: str | None) -> str:
    value = (value or "").strip().rstrip("/") or twilio.API_BASE
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValidationError(_("Enter the API address as a URL, such as %(url)s.", url=twilio.API_BASE),
                              field="api_base")
    return value


def credentials(account: ChannelAccount) -> tuple[str, str, str]:
    """(API base, Account SID, Auth Token) of the account."""
    return (accounts.setting(account, "api_base") or twilio.API_BASE, accounts.setting(account, "account_sid") or "",
            accounts.secret(account, "auth_token") or "")


def test_connection(account: ChannelAccount) -> tuple[str | None, str | None]:
    """(Twilio's name for the account, None) when the credentials work, else (None, the reason)."""
    base, sid, token = credentials(account)
    if not sid or not token:
        return None, _("Enter the Account SID and the Auth Token first.")
    try:
        found = twilio.fetch_account(base, sid, token)
    except twilio.TwilioError as exc:
        return None, exc.message
    if found.get("status") not in (None, "active"):
        return None, _("Twilio says this account is %(status)s.", status=found.get("status"))
    return found.get("friendly_name") or sid, None


def hook_url(account: ChannelAccount, which: str = "inbound") -> str:
    """The URL Twilio must call (as it will see it: CHANNELS_PUBLIC_URL behind a proxy)."""
    endpoint = "sms.inbound_webhook" if which == "inbound" else "sms.status_webhook"
    base = current_app.config.get("CHANNELS_PUBLIC_URL")
    if base:
        path = current_app.url_map.bind("localhost").build(endpoint, {"account_id": account.id})
        return base.rstrip("/") + path
    return url_for(endpoint, account_id=account.id, _external=True)


def recent_events(account: ChannelAccount, limit: int = 20) -> list[ChannelEvent]:
    return list(db.session.scalars(select(ChannelEvent).where(ChannelEvent.account_id == account.id)
                                   .order_by(ChannelEvent.id.desc()).limit(limit)))


# --- opt-outs -----------------------------------------------------------------------------------

def keyword(body: str | None, opt_out_type: str | None = None) -> str | None:
    """"stop" or "start" when the message is one of Twilio's opt-out or opt-in keywords."""
    word = (opt_out_type or body or "").strip().upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


def opted_out(account: ChannelAccount, address: str | None) -> bool:
    return bool(address) and db.session.get(ChannelOptOut, (account.id, address)) is not None


def _opt(account: ChannelAccount, sid: str, address: str, word: str, text: str) -> str:
    """Record STOP (or remove it on START) and say so on the open conversation; never opens a ticket."""
    current = db.session.get(ChannelOptOut, (account.id, address))
    if word == "stop" and current is None:
        db.session.add(ChannelOptOut(account_id=account.id, address=address))
    elif word == "start" and current is not None:
        db.session.delete(current)
    ticket = inbound.open_conversation(account, address)
    if ticket is not None:
        note = (_("%(number)s replied %(word)s: no SMS can be sent to this number until it replies START.",
                  number=address, word=text) if word == "stop" else
                _("%(number)s replied %(word)s: replies by SMS can be sent again.", number=address, word=text))
        tickets.add_system_message(ticket, note, public=False)
    outcome = "opt_out" if word == "stop" else "opt_in"
    inbound.record_event(account, sid, outcome, outcome, reason=address, ticket_id=ticket.id if ticket else None)
    return outcome


# --- inbound ------------------------------------------------------------------------------------

def receive_message(account: ChannelAccount, fields: dict) -> str:
    """One inbound SMS/MMS from Twilio's webhook fields; returns the outcome (new_ticket, reply, opt_out...).

    The caller checked the signature, that MessageSid is there and that From is a phone number.
    """
    sid, body = fields["MessageSid"], fields.get("Body", "")
    address = contacts.normalize("phone", fields["From"])
    word = keyword(body, fields.get("OptOutType"))
    if word == "start" and not opted_out(account, address) and inbound.open_conversation(account, address):
        word = None  # "Yes" answering the agent, from a number that never opted out: a message like any other
    if (word or _media_count(fields)) and inbound.seen(account, sid) is not None:
        return "duplicate"  # before fetching any media again (inbound.receive checks plain messages)
    if word:
        return _opt(account, sid, address, word, body.strip() if keyword(body) else word.upper())
    media, notes = _media(account, fields)
    result = inbound.receive(account, inbound.InboundMessage(external_id=sid, sender=address, body=body,
                                                             attachments=media))
    if notes and result.message_id:
        ticket = db.session.get(Ticket, db.session.get(TicketMessage, result.message_id).ticket_id)
        for note in notes:
            tickets.add_system_message(ticket, note, public=False)
    return result.outcome


def _media(account: ChannelAccount, fields: dict) -> tuple[list, list[str]]:
    """The MMS media fetched from Twilio, and a note for each one that could not be taken."""
    count = _media_count(fields)
    if not count:
        return [], []
    base, sid, token = credentials(account)
    limit = current_app.config["CHANNEL_MEDIA_MAX_BYTES"]
    most = current_app.config["TICKET_ATTACHMENT_MAX_FILES"]
    media, notes = [], []
    for n in range(count):
        url, kind = fields.get(f"MediaUrl{n}"), (fields.get(f"MediaContentType{n}") or "").split(";")[0].strip()
        name = f"mms-{n + 1}.{EXTENSIONS.get(kind.lower()) or (mimetypes.guess_extension(kind) or '.bin')[1:]}"
        if not url or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            continue
        if len(media) >= most:
            notes.append(_("%(name)s was not kept: at most %(num)d files are kept per message.", name=name,
                           num=most))
            continue
        try:
            media.append((name, twilio.fetch_media(url, sid, token, limit=limit, api_base=base)))
        except twilio.MediaTooLarge:
            notes.append(_("%(name)s was not kept: it is larger than the %(mb)s MB limit.", name=name,
                           mb=round(limit / (1024 * 1024), 1)))
        except twilio.TwilioError as exc:
            notes.append(_("%(name)s could not be fetched from Twilio: %(reason)s", name=name, reason=exc.message))
    return media, notes


def _media_count(fields: dict) -> int:
    try:
        return min(max(int(fields.get("NumMedia") or 0), 0), MAX_MEDIA)
    except ValueError:
        return 0


def receive_status(account: ChannelAccount, fields: dict) -> str:
    """A status callback for a message we sent: the message shows it; returns "status" or "ignored"."""
    sid, status = fields["MessageSid"], fields["MessageStatus"].strip().lower()
    key = f"status:{sid}:{status}"
    if inbound.seen(account, key) is not None:
        return "duplicate"
    error = None
    if status in ("failed", "undelivered"):
        code, text = (fields.get("ErrorCode") or "").strip(), (fields.get("ErrorMessage") or "").strip()
        error = (f"{text} (Twilio error {code})" if text and code else text or
                 (_("Twilio error %(code)s", code=code) if code else None))
    known = delivery.update_status(account, sid, status, error)
    message = db.session.scalar(select(TicketMessage).join(Ticket, Ticket.id == TicketMessage.ticket_id).where(
        TicketMessage.external_id == sid[:255], Ticket.channel_account_id == account.id).limit(1)) if known else None
    outcome = "status" if known else "ignored"
    inbound.record_event(account, key, "status", outcome, reason=f"{status} {error or ''}".strip(),
                         ticket_id=message.ticket_id if message else None)
    return outcome
