"""Reading the audit log: filtered, newest first, for the log page and `portal audit list`."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, cast, func, or_, select

from portal.audit.models import AuditEvent
from portal.extensions import db


@dataclass(frozen=True)
class AuditFilters:
    person: str | None = None  # an email: what they did, or what was done to their account
    actor: str | None = None  # an email: only what they did
    action: str | None = None
    since: date | None = None  # inclusive, UTC days
    until: date | None = None
    text: str | None = None


def _conditions(filters: AuditFilters) -> list:
    conditions = []
    if filters.person:
        email = filters.person.strip().lower()
        conditions.append(or_(AuditEvent.actor_email == email,
                              and_(AuditEvent.target_type == "user", AuditEvent.target_label == email)))
    if filters.actor:
        conditions.append(AuditEvent.actor_email == filters.actor.strip().lower())
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.since:
        conditions.append(AuditEvent.created_at >= datetime.combine(filters.since, time.min))
    if filters.until:
        conditions.append(AuditEvent.created_at < datetime.combine(filters.until + timedelta(days=1), time.min))
    if filters.text and filters.text.strip():
        text = filters.text.strip()
        conditions.append(or_(*(column.icontains(text, autoescape=True) for column in (
            AuditEvent.action, AuditEvent.actor_email, AuditEvent.target_label, AuditEvent.ip,
            cast(AuditEvent.details, String)))))
    return conditions


def search(filters: AuditFilters, *, page: int = 1, per_page: int = 50) -> tuple[list[AuditEvent], int]:
    """One page of matching rows, newest first, and how many match in all."""
    conditions = _conditions(filters)
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    rows = db.session.scalars(select(AuditEvent).where(*conditions)
                              .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
                              .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return list(rows), total


def people() -> list[str]:
    """Every actor's email in the log, for the person filter."""
    return list(db.session.scalars(select(AuditEvent.actor_email).distinct()
                                   .where(AuditEvent.actor_email != "").order_by(AuditEvent.actor_email)))


def actions() -> list[str]:
    """Every action that occurs in the log, for the action filter."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def as_dict(event: AuditEvent) -> dict:
    """A row for JSON output."""
    return {"id": event.id, "at": event.created_at.isoformat(), "actor": event.actor_email or None,
            "action": event.action, "target": {"type": event.target_type or None, "id": event.target_id or None,
                                               "label": event.target_label or None},
            "details": event.details or {}, "ip": event.ip}
