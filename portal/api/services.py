"""Personal access tokens: created (the secret shown once), listed, revoked, and looked up by their secret.

The same functions serve the staff settings page, `portal api token …` and the API's authentication.
They flush; the caller commits.
"""
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.accounts.tokens import hash_secret
from portal.api.models import ApiToken
from portal.errors import NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.permissions import API_SCOPES, can, grantable_scopes

TOKEN_PREFIX = "cpt_"  # recognisable in logs and by secret scanners
MAX_NAME = 80
MAX_EXPIRY_DAYS = 3650
LAST_USED_EVERY = timedelta(seconds=60)  # last use is written at most once a minute per token


def _scopes(user, scopes) -> list[str]:
    """The requested scopes, known and held by `user`, in API_SCOPES order; ValidationError otherwise."""
    wanted = set(scopes or ())
    if not wanted:
        raise ValidationError(_("Choose at least one scope."), field="scopes")
    unknown = sorted(wanted - set(API_SCOPES))
    if unknown:
        raise ValidationError(_("Unknown scope: %(scope)s.", scope=", ".join(unknown)), field="scopes")
    allowed = set(grantable_scopes(user))
    refused = sorted(wanted - allowed)
    if refused:
        raise ValidationError(_("Your role cannot use the scope %(scope)s.", scope=", ".join(refused)),
                              field="scopes")
    return [scope for scope in API_SCOPES if scope in wanted]


def _expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is None:
        return None
    if expires_at <= utcnow():
        raise ValidationError(_("The expiry date must be in the future."), field="expires_at")
    if expires_at > utcnow() + timedelta(days=MAX_EXPIRY_DAYS):
        raise ValidationError(_("A token can live at most ten years."), field="expires_at")
    return expires_at


def create_token(*, user, name: str, scopes, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` (staff only): returns it with its secret, which is never stored or shown again."""
    if not can(user, "api.use"):
        raise PermissionDenied(_("Only staff accounts can create API tokens."))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the token a name, such as the tool that will use it."), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(_("The name is too long (at most %(num)d characters).", num=MAX_NAME), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=hash_secret(secret),
                     scopes=_scopes(user, scopes), expires_at=_expiry(expires_at), created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    return token, secret


def visible_tokens(viewer) -> list[ApiToken]:
    """The viewer's own tokens; a manager sees everyone's. Newest first, revoked ones included."""
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc())
    if not can(viewer, "api.tokens.manage"):
        query = query.where(ApiToken.user_id == viewer.id)
    return list(db.session.scalars(query))


def all_tokens(user=None) -> list[ApiToken]:
    """Every token (of `user` when given), for the server's console."""
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query))


def get_token(token_id, *, viewer=None) -> ApiToken:
    """The token with this id if `viewer` (None: the console) may see it, else NotFound."""
    from portal.inputs import parse_id

    number = parse_id(token_id)
    token = db.session.get(ApiToken, number) if number else None
    if token is None or (viewer is not None and token.user_id != viewer.id and not can(viewer, "api.tokens.manage")):
        raise NotFound(_("No such token."))
    return token


def revoke_token(token: ApiToken) -> bool:
    """Revoke at once (the next call with it gets 401); False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True


def token_for_secret(secret: str | None) -> ApiToken | None:
    """The live token with this secret, or None (unknown, malformed, revoked, expired, inactive user)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or not token.is_live or not token.user.active:
        return None
    return token


def note_use(token: ApiToken, ip: str | None) -> None:
    """Remember when and from where the token was last used (written at most once a minute)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY or token.last_used_ip != ip:
        token.last_used_at, token.last_used_ip = now, (ip or "")[:64]
