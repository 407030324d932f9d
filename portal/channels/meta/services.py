"""WhatsApp, Messenger and Instagram accounts: saved with their Meta secrets encrypted, the WhatsApp number's
approved templates, the webhook address to paste into the Meta app, and a connection test."""
import re
import secrets as random

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import accounts
from portal.channels.meta import graph
from portal.channels.models import ChannelAccount, ChannelEvent
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets.models import TicketGroup

KINDS = ("whatsapp", "messenger", "instagram")
_DIGITS = re.compile(r"[0-9]{1,30}")
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_PLACEHOLDER = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")
_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")


def address_error(kind: str) -> str:
    return {"whatsapp": _("Enter the phone number id that WhatsApp Manager shows (digits only)."),
            "messenger": _("Enter the Facebook page id (digits only)."),
            "instagram": _("Enter the Instagram account id (digits only).")}[kind]


def save(kind: str, *, account: ChannelAccount | None = None, name: str, address: str, app_secret: str = "",
         access_token: str = "", verify_token: str = "", graph_url: str = "", group_id: int | None = None,
         enabled: bool = True, display_phone: str = "", business_account_id: str = "",
         templates: str = "") -> tuple[ChannelAccount, str | None]:
    """Create or update a Meta account; returns it and the verify token when one was just generated
    (shown once). Raises ValidationError naming the field."""
    address = (address or "").strip()
    if not _DIGITS.fullmatch(address):
        raise ValidationError(address_error(kind), field="address")
    other = accounts.find_by_address(kind, address)
    if other is not None and other is not account:
        raise ValidationError(_("Another channel already uses this id: %(name)s.", name=other.name), field="address")
    given, generated = _secrets(account, app_secret, access_token, verify_token)
    settings = {"graph_url": _graph_url(graph_url)}
    if kind == "whatsapp":
        settings.update(_whatsapp_settings(display_phone, business_account_id, templates))
    if group_id is not None and db.session.get(TicketGroup, group_id) is None:
        raise ValidationError(_("Choose a group from the list."), field="group_id")
    saved = accounts.save_account(kind=kind, name=name, address=address, settings=settings, secrets=given,
                                  group_id=group_id, enabled=enabled, account=account)
    return saved, generated


def _secrets(account, app_secret: str, access_token: str, verify_token: str) -> tuple[dict, str | None]:
    """The secrets to save (empty keeps the stored one); a verify token is made when there is none."""
    stored = accounts.secrets_of(account) if account is not None else {}
    given = {"app_secret": (app_secret or "").strip(), "access_token": (access_token or "").strip(),
             "verify_token": (verify_token or "").strip()}
    if not given["app_secret"] and not stored.get("app_secret"):
        raise ValidationError(_("Paste the app secret (Meta app › App settings › Basic)."), field="app_secret")
    if not given["access_token"] and not stored.get("access_token"):
        raise ValidationError(_("Paste an access token for this account."), field="access_token")
    if given["verify_token"] and not 8 <= len(given["verify_token"]) <= 200:
        raise ValidationError(_("A verify token has 8 to 200 characters."), field="verify_token")
    generated = None
    if not given["verify_token"] and not stored.get("verify_token"):
        generated = given["verify_token"] = random.token_urlsafe(24)
    return given, generated


def _graph_url(value: str) -> str:
    value = (value or "").strip().rstrip("/") or graph.DEFAULT_BASE
    if not _URL.fullmatch(value) or len(value) > 300:
        raise ValidationError(_("Enter the Graph API address, such as %(url)s.", url=graph.DEFAULT_BASE),
                              field="graph_url")
    return value


def _whatsapp_settings(display_phone: str, business_account_id: str, templates: str) -> dict:
    display_phone, business_account_id = (display_phone or "").strip(), (business_account_id or "").strip()
    if len(display_phone) > 30:
        raise ValidationError(_("The display phone number is too long."), field="display_phone")
    if business_account_id and not _DIGITS.fullmatch(business_account_id):
        raise ValidationError(_("The WhatsApp Business account id has digits only."), field="business_account_id")
    return {"display_phone": display_phone, "business_account_id": business_account_id,
            "templates": parse_templates(templates)}


# --- WhatsApp message templates -------------------------------------------------------------------

def parse_templates(text: str) -> list[dict]:
    """One template a line, "name|language|body"; every wrong line is named in one ValidationError."""
    found, errors, seen = [], [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|", 2)]
        error = _template_error(parts, seen)
        if error:
            errors.append(_("Line %(line)d: %(error)s", line=number, error=error))
            continue
        seen.add((parts[0], parts[1]))
        found.append({"name": parts[0], "language": parts[1], "body": parts[2]})
    if errors:
        raise ValidationError(" ".join(errors), field="templates")
    return found


def _template_error(parts: list[str], seen: set) -> str | None:
    if len(parts) != 3 or not all(parts):
        return _("write it as name|language|body.")
    name, language, body = parts
    if not _TEMPLATE_NAME.fullmatch(name):
        return _("a template name holds only lower-case letters, digits and underscores.")
    if not _LANGUAGE.fullmatch(language):
        return _("the language is a code such as en_US, fr or pt_BR.")
    if any(p != "1" for p in _PLACEHOLDER.findall(body)):
        return _("the body may only use the {{1}} placeholder, which takes the reply text.")
    if (name, language) in seen:
        return _("%(name)s (%(language)s) is listed twice.", name=name, language=language)
    return None


def templates_of(account: ChannelAccount) -> list[dict]:
    return [t for t in accounts.setting(account, "templates", []) or [] if isinstance(t, dict)]


def template_value(template: dict) -> str:
    return f"{template['name']}|{template['language']}"


def find_template(account: ChannelAccount, value: str | None) -> dict | None:
    """The configured template a composer value ("name|language") names, else None."""
    return next((t for t in templates_of(account) if value and template_value(t) == value), None)


def templates_text(account: ChannelAccount) -> str:
    return "\n".join(f"{t['name']}|{t['language']}|{t['body']}" for t in templates_of(account))


# --- what the settings page shows -----------------------------------------------------------------

def graph_base(account: ChannelAccount) -> str:
    return accounts.setting(account, "graph_url") or graph.DEFAULT_BASE


def webhook_url(account: ChannelAccount) -> str:
    """The callback URL to paste into the Meta app (behind a proxy: CHANNELS_PUBLIC_URL)."""
    base = current_app.config.get("CHANNELS_PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for("meta.webhook", account_id=account.id)
    return url_for("meta.webhook", account_id=account.id, _external=True)


def last_events(account: ChannelAccount, limit: int = 15) -> list[ChannelEvent]:
    return list(db.session.scalars(select(ChannelEvent).where(ChannelEvent.account_id == account.id)
                                   .order_by(ChannelEvent.id.desc()).limit(limit)))


def test_connection(account: ChannelAccount) -> tuple[bool, str]:
    """GET {base}/{address}?fields=id with the token: whether Meta knows this account for that token."""
    token = accounts.secret(account, "access_token")
    if not token:
        return False, _("No access token is saved for this channel.")
    try:
        data = graph.get_json(graph_base(account), account.address, token, {"fields": "id"})
    except graph.GraphError as exc:
        return False, _("Meta refused: %(reason)s", reason=exc.reason)
    if str(data.get("id")) != account.address:
        return False, _("Meta answered for %(id)s, not for %(address)s.", id=data.get("id"), address=account.address)
    return True, _("Meta answered: the access token reaches %(address)s.", address=account.address)
