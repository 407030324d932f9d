"""Managing rules (the settings page and `portal rules` call these): save after checking, enable, order,
delete, and preview which open tickets a rule matches now."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.automation import matching
from portal.automation.rules import clean_rule
from portal.automation.models import Rule, RuleRun
from portal.errors import NotFound
from portal.extensions import db
from portal.inputs import parse_id
from portal.models_base import utcnow
from portal.tickets.models import Ticket

PREVIEW_SCAN = 2000  # the preview reads at most this many open tickets, most recently updated first


def all_rules() -> list[Rule]:
    """Triggers, then time-based rules, each in the order they run."""
    return list(db.session.scalars(select(Rule).order_by(Rule.kind.desc(), Rule.position, Rule.id)))


def get_rule(rule_id) -> Rule:
    rule = db.session.get(Rule, parse_id(str(rule_id))) if parse_id(str(rule_id)) else None
    if rule is None:
        raise NotFound(_("No such rule."))
    return rule


def builtin_rule(key: str) -> Rule | None:
    """The shipped rule installed under this key (as the manager edited it), if it is there."""
    return db.session.scalar(select(Rule).where(Rule.builtin == key).order_by(Rule.id).limit(1))


def save_rule(*, rule: Rule | None = None, builtin: str | None = None, enabled: bool | None = None,
              **fields) -> Rule:
    """Create or change a rule from a form's or the CLI's values (see rules.clean_rule); raises RuleErrors."""
    cleaned = clean_rule(**fields, previous_actions=rule.actions if rule is not None else ())
    if rule is None or rule.kind != cleaned["kind"]:
        last = db.session.scalar(select(func.max(Rule.position)).where(Rule.kind == cleaned["kind"]))
        cleaned["position"] = (last if last is not None else -1) + 1
    rule = rule or Rule(builtin=builtin, created_at=utcnow())
    for name, value in cleaned.items():
        setattr(rule, name, value)
    if enabled is not None:
        rule.enabled = enabled
    rule.updated_at = utcnow()
    db.session.add(rule)
    db.session.flush()
    return rule


def set_enabled(rule: Rule, enabled: bool) -> None:
    rule.enabled, rule.updated_at = bool(enabled), utcnow()
    db.session.flush()


def move_rule(rule: Rule, direction: str) -> None:
    """One place earlier ("up") or later ("down") among the rules of its kind."""
    same = list(db.session.scalars(select(Rule).where(Rule.kind == rule.kind).order_by(Rule.position, Rule.id)))
    i = same.index(rule)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(same):
        same[i], same[j] = same[j], same[i]
    for position, item in enumerate(same):
        item.position = position
    rule.updated_at = utcnow()  # the engine reads the rules again when one changed
    db.session.flush()


def delete_rule(rule: Rule) -> None:
    """Delete the rule; its runs stay on the tickets' logs under its name."""
    db.session.delete(rule)
    db.session.flush()


def runs_of(ticket: Ticket, limit: int = 50) -> list[RuleRun]:
    """What rules did on this ticket, latest first."""
    return list(db.session.scalars(select(RuleRun).where(RuleRun.ticket_id == ticket.id)
                                   .order_by(RuleRun.id.desc()).limit(limit)))


@dataclass
class Preview:
    count: int = 0
    tickets: list = field(default_factory=list)
    scanned: int = 0
    capped: bool = False  # more open tickets than the preview reads


def preview(rule: Rule, *, limit: int = 20, scan: int = PREVIEW_SCAN, now=None) -> Preview:
    """Which open tickets the rule matches now (time-based: those the next sweep considers); read-only."""
    from portal.automation.engine import LOOKBACK

    now = now or utcnow()
    query = select(Ticket).where(Ticket.status.in_(matching.open_statuses(rule)), Ticket.merged_into_id.is_(None),
                                 *matching.prefilter(rule))
    if rule.kind == "timed" and rule.timing:
        column = matching.anchor_column(rule.timing["since"])
        cutoff = now - timedelta(hours=int(rule.timing["hours"]))
        query = query.where(column <= cutoff, column > cutoff - LOOKBACK)
    found = db.session.scalars(query.order_by(Ticket.updated_at.desc()).limit(scan)
                               .options(selectinload(Ticket.tag_rows))).all()
    result = Preview(scanned=len(found), capped=len(found) >= scan)
    for ticket in found:
        if matching.matches(rule, matching.Facts(ticket, now=now)):
            result.count += 1
            if len(result.tickets) < limit:
                result.tickets.append(ticket)
    return result


def run_counts() -> dict:
    """rule id -> (runs, last run time), read from the once-per-event index."""
    rows = db.session.execute(select(RuleRun.rule_id, func.count(), func.max(RuleRun.id))
                              .where(RuleRun.rule_id.is_not(None)).group_by(RuleRun.rule_id)).all()
    last = dict(db.session.execute(select(RuleRun.id, RuleRun.created_at)
                                   .where(RuleRun.id.in_([r[2] for r in rows]))).tuples().all()) if rows else {}
    return {rule_id: (count, last.get(last_id)) for rule_id, count, last_id in rows}
