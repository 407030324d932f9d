"""The audit log's one table: rows are added, never changed or removed."""
from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.models_base import utcnow


def _request_ip() -> str | None:
    return (request.remote_addr or None) if has_request_context() else None


class AuditEvent(db.Model):
    """One recorded action. The actor and target are copied as text too, so a row reads the same after
    the account or object is renamed or gone (no foreign keys: nothing may cascade into this table)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None]
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(60), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    target_label: Mapped[str] = mapped_column(String(254), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64), default=_request_ip)

    __table_args__ = (
        Index("ix_audit_event_created_at", "created_at"),
        Index("ix_audit_event_actor_created", "actor_email", "created_at"),
        Index("ix_audit_event_action_created", "action", "created_at"),
    )


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit rows cannot be changed or deleted")
