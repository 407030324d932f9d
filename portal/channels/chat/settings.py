"""A chat widget's settings: the sites it may run on (their origins), its greeting in each language."""
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.channels import accounts
from portal.channels.models import ChannelAccount
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets.models import TicketGroup

MAX_ORIGINS = 20
MAX_GREETING = 300
DEFAULT_GREETING = _l("Hello! How can we help you today?")


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, lower-cased; None when `url` is not one."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    host = parts.hostname.lower() if ":" not in parts.hostname else f"[{parts.hostname.lower()}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port and port != default else "")


def parse_origins(text: str | None) -> list[str]:
    """The site addresses typed one per line, as origins; ValidationError on "origins" naming a bad line."""
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        origin = origin_of(line)
        parts = urlsplit(line) if origin else None
        if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValidationError(_("Line %(number)d: “%(value)s” is not a site address such as "
                                    "https://shop.example.", number=number, value=line[:80]), field="origins")
        if origin not in found:
            found.append(origin)
    if len(found) > MAX_ORIGINS:
        raise ValidationError(_("At most %(num)d sites.", num=MAX_ORIGINS), field="origins")
    return found


def origins(account: ChannelAccount) -> list[str]:
    return list(accounts.setting(account, "origins", []) or [])


def greeting(account: ChannelAccount, lang: str) -> str:
    """The greeting in `lang`, or the default one (translated) when the manager left it empty."""
    texts = accounts.setting(account, "greeting", {}) or {}
    return texts.get(lang) or str(DEFAULT_GREETING)


def save_chat(*, name: str, origins_text: str, greeting_en: str, greeting_fr: str, group_id: int | None,
              enabled: bool, account: ChannelAccount | None = None) -> ChannelAccount:
    """Create or change a chat widget; ValidationError on the field at fault, nothing saved."""
    allowed = parse_origins(origins_text)
    texts = {}
    for lang, text, field in (("en", greeting_en, "greeting_en"), ("fr", greeting_fr, "greeting_fr")):
        text = (text or "").strip()
        if len(text) > MAX_GREETING:
            raise ValidationError(_("The greeting is too long (at most %(num)d characters).", num=MAX_GREETING),
                                  field=field)
        texts[lang] = text
    if group_id and db.session.get(TicketGroup, group_id) is None:
        raise ValidationError(_("Choose a group from the list."), field="group_id")
    return accounts.save_account(kind="chat", name=name, address="", settings={"origins": allowed, "greeting": texts},
                                 group_id=group_id, enabled=enabled, account=account)
