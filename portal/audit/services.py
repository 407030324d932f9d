"""Writing the audit log: `record` is the one way in (see the package docstring for how to call it)."""
import json

from portal.audit.models import AuditEvent
from portal.extensions import db

LABEL_ATTRIBUTES = ("email", "name", "title", "subject", "number", "slug")
MAX_DETAILS_CHARS = 4000


def _target_fields(target) -> dict:
    """target_type, target_id and target_label for a model instance, a plain string or None."""
    if target is None:
        return {"target_type": "", "target_id": "", "target_label": ""}
    if isinstance(target, str):
        return {"target_type": "", "target_id": "", "target_label": target[:254]}
    label = next((str(value) for name in LABEL_ATTRIBUTES if (value := getattr(target, name, None))), "")
    kind = getattr(target, "__tablename__", type(target).__name__.lower())
    identity = getattr(target, "id", None)
    return {"target_type": kind[:60], "target_id": "" if identity is None else str(identity)[:64],
            "target_label": (label or f"{kind} {identity}")[:254]}


def _text(value) -> str:
    return str(value or "").replace("\x00", "")


def _clean_details(details) -> dict:
    """`details` as stored: JSON-able (other values become text), and not too large for one row."""
    if not details:
        return {}
    cleaned = json.loads(json.dumps(dict(details), default=str))
    if len(json.dumps(cleaned)) > MAX_DETAILS_CHARS:
        return {"truncated": json.dumps(cleaned)[:MAX_DETAILS_CHARS]}
    return cleaned


def record(actor, action: str, target=None, details: dict | None = None, *, ip: str | None = None) -> AuditEvent:
    """Add one row to the audit log and flush (the caller commits with its change).

    `actor` is a User or None (the command line, the system); `ip` defaults to the request's client.
    """
    fields = {name: _text(value) for name, value in _target_fields(target).items()}
    event = AuditEvent(actor_id=getattr(actor, "id", None), actor_email=_text(getattr(actor, "email", "")),
                       action=_text(action)[:80], details=_clean_details(details), **fields)
    if ip is not None:
        event.ip = ip[:64]
    db.session.add(event)
    db.session.flush()
    return event
