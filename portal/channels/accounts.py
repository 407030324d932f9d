"""Connected channel accounts: saved with their secrets encrypted (like the shop secrets), shown masked."""
import json

from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels.models import KINDS, ChannelAccount
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.inputs import parse_id
from portal.models_base import utcnow
from portal.orders import crypto


def get_account(account_id, kind: str | None = None) -> ChannelAccount:
    """The account with this id (and kind); NotFound for a guessed or malformed id."""
    number = parse_id(account_id)
    account = db.session.get(ChannelAccount, number) if number else None
    if account is None or (kind and account.kind != kind):
        raise NotFound(_("We could not find that channel."))
    return account


def accounts(kind: str | None = None) -> list[ChannelAccount]:
    query = select(ChannelAccount).order_by(ChannelAccount.kind, ChannelAccount.name, ChannelAccount.id)
    if kind:
        query = query.where(ChannelAccount.kind == kind)
    return list(db.session.scalars(query))


def find_by_address(kind: str, address: str) -> ChannelAccount | None:
    return db.session.scalar(select(ChannelAccount).where(ChannelAccount.kind == kind,
                                                          ChannelAccount.address == address).limit(1))


def save_account(*, kind: str, name: str, address: str = "", settings: dict | None = None,
                 secrets: dict | None = None, group_id: int | None = None, enabled: bool = True,
                 account: ChannelAccount | None = None) -> ChannelAccount:
    """Create or update an account. `secrets` entries left empty keep the stored value (forms never show them)."""
    if kind not in KINDS:
        raise ValidationError(_("Unknown channel type."), field="kind")
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the channel a name."), field="name")
    if len(name) > 80:
        raise ValidationError(_("The name is too long (at most %(num)d characters).", num=80), field="name")
    if account is None:
        account = ChannelAccount(kind=kind, secrets_encrypted=None, settings={})
        db.session.add(account)
    account.name, account.address, account.enabled = name, (address or "").strip()[:120], enabled
    account.group_id = group_id or None
    account.settings = {**(account.settings or {}), **(settings or {})}
    stored = secrets_of(account)
    for key, value in (secrets or {}).items():
        if value:
            stored[key] = value
    account.secrets_encrypted = crypto.encrypt(json.dumps(stored)) if stored else None
    account.updated_at = utcnow()
    db.session.flush()
    return account


def secrets_of(account: ChannelAccount) -> dict:
    """The decrypted secrets ({} when none or when the key changed)."""
    raw = crypto.decrypt(account.secrets_encrypted)
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def secret(account: ChannelAccount, key: str) -> str | None:
    return secrets_of(account).get(key)


def masked_secrets(account: ChannelAccount) -> dict:
    return {key: crypto.masked(value) for key, value in secrets_of(account).items()}


def setting(account: ChannelAccount, key: str, default=None):
    return (account.settings or {}).get(key, default)


def delete_account(account: ChannelAccount) -> None:
    db.session.delete(account)
    db.session.flush()
