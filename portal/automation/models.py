"""Automation: business-hours calendars, SLA policies, rules (triggers and time-based), the record of
each rule run (once per ticket per event), and satisfaction surveys."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models_base import utcnow


class BusinessCalendar(db.Model):
    """Weekly opening hours in a time zone, public holidays of a country, and the shop's own closed dates."""

    __tablename__ = "business_calendar"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    hours: Mapped[dict | None] = mapped_column(JSON, default=dict)  # {"0": "09:00-18:00", ...} 0 = Monday
    country: Mapped[str | None] = mapped_column(String(8))  # holidays package code: FR, BE, CA...
    subdivision: Mapped[str | None] = mapped_column(String(16))
    closed_dates: Mapped[list | None] = mapped_column(JSON, default=list)  # ["2026-08-15", ...]
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_group.id", ondelete="SET NULL"))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaPolicy(db.Model):
    """Targets in business minutes for the tickets it matches (first match in position order wins)."""

    __tablename__ = "sla_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    priorities: Mapped[list | None] = mapped_column(JSON, default=list)  # empty: any
    channels: Mapped[list | None] = mapped_column(JSON, default=list)
    store_ids: Mapped[list | None] = mapped_column(JSON, default=list)
    group_ids: Mapped[list | None] = mapped_column(JSON, default=list)
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("business_calendar.id", ondelete="SET NULL"))
    pause_when_waiting: Mapped[bool] = mapped_column(default=True)  # resolution clock stops while pending/on-hold
    warn_before_minutes: Mapped[int] = mapped_column(default=60)
    warn_actions: Mapped[list | None] = mapped_column(JSON, default=list)  # [{"type": "notify_assignee"}, ...]
    breach_actions: Mapped[list | None] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rule(db.Model):
    """A trigger (on an event) or a time-based automation (hours since ...), with conditions and actions."""

    __tablename__ = "automation_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default="trigger")  # trigger | timed
    events: Mapped[list | None] = mapped_column(JSON, default=list)  # opened, customer_reply, agent_reply, ...
    timing: Mapped[dict | None] = mapped_column(JSON)  # {"since": "created|customer_message|pending|solved", "hours": 24}
    match: Mapped[str] = mapped_column(String(3), default="all")  # all | any
    conditions: Mapped[list | None] = mapped_column(JSON, default=list)  # [{"field", "op", "value"}]
    actions: Mapped[list | None] = mapped_column(JSON, default=list)  # [{"type", "value"}]
    position: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    builtin: Mapped[str | None] = mapped_column(String(40))  # the shipped default it started from
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_automation_rule_kind_enabled", "kind", "enabled", "position"),)


class RuleRun(db.Model):
    """A rule fired on a ticket for one event: never twice for the same (rule, ticket, event)."""

    __tablename__ = "rule_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("automation_rule.id", ondelete="SET NULL"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    event_key: Mapped[str] = mapped_column(String(80))
    rule_name: Mapped[str] = mapped_column(String(120), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("rule_id", "ticket_id", "event_key", name="uq_rule_run_once"),)


class CsatSurvey(db.Model):
    """One satisfaction survey per solved ticket: sent after a delay, answered once from a tokenised link."""

    __tablename__ = "csat_survey"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    rating: Mapped[str | None] = mapped_column(String(8))  # good | okay | bad
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_csat_survey_pending", "sent_at", "send_after"),)
