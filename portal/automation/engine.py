"""When rules run: triggers on ticket events, time-based rules from the worker's sweep.

A ticket_changed signal only notes the event; the triggers run when that transaction commits (just before,
in it), once everything the change wrote can be read: the inbound mail's record and flags, a linked order.
Each rule fires at most once per ticket per event (a RuleRun row, unique), and what rules change never
starts rules again.
"""
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta, timezone
from itertools import islice

from flask import has_app_context
from sqlalchemy import String, cast, event, exists, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.automation import matching, rule_actions
from portal.automation.models import Rule, RuleRun
from portal.database import epoch_seconds
from portal.extensions import db
from portal.jobs import services as jobs
from portal.models_base import utcnow
from portal.signals import ticket_changed
from portal.tickets.models import MessageKind, Status, Ticket, TicketEvent, TicketMessage

log = logging.getLogger("portal.automation")
PENDING, RUNNING, ACTOR = "automation.pending", "automation.running", "automation.actor"
SWEEP_BATCH = 200
SWEEP_SECONDS = 20  # a sweep fires nothing more after this; the next sweep (every 5 minutes) goes on
# A ticket whose clock passed a rule's threshold longer ago than this is left alone: sweeps run every 5 minutes,
# so this only matters after a day without a worker, or for a new rule, which acts from now on instead of
# reminding the team (or solving tickets) across the whole history of the desk at once.
LOOKBACK = timedelta(days=1)


# --- events -------------------------------------------------------------------------------------

def event_of(ticket: Ticket, kind: str, **details) -> tuple | None:
    """(event name, once-key, message id) of a service change, or None for changes no trigger listens to.

    A satisfaction answer ("csat", with the signal's survey and note) is an event once per survey and rating:
    a customer who changes "good" to "bad" starts the rules again, one who only edits their comment does not.
    """
    if kind == "opened":
        first = db.session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id)
                                  .order_by(TicketMessage.id).limit(1))
        return "opened", "opened", first
    if kind == "reply":
        last = db.session.execute(select(TicketMessage.id, TicketMessage.author_kind).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.kind == MessageKind.PUBLIC)
            .order_by(TicketMessage.id.desc()).limit(1)).first()
        if last is None:
            return None
        name = "customer_reply" if last.author_kind.value == "customer" else "agent_reply"
        return name, f"reply:{last.id}", last.id
    if kind == "status":
        return "status", f"status:{ticket.status.value}:{ticket.version}", None
    if kind == "order" and ticket.order_id:
        return "order", f"order:{ticket.order_id}", None
    if kind == "csat" and details.get("survey") is not None and details.get("rating"):
        note = details.get("note")
        return "csat", f"csat:{details['survey'].id}:{details['rating']}", note.id if note is not None else None
    return None


def _on_ticket_changed(ticket, kind=None, **details):
    if not has_app_context() or ticket.id is None:
        return
    session = db.session()
    if session.info.get(RUNNING):
        return  # a rule's own change
    found = event_of(ticket, kind, **details)
    if found is not None:
        pending = session.info.setdefault(PENDING, [])
        if (ticket.id, found[1]) not in [(p[0], p[2]) for p in pending]:
            pending.append((ticket.id, *found))


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    if not session.info.get(PENDING) or session.info.get(RUNNING) or session.in_nested_transaction():
        return
    if not has_app_context() or session is not db.session():
        return
    run_triggers(session.info.pop(PENDING))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    if transaction.parent is None and not transaction.nested:
        for name in (PENDING, ACTOR, matching.CALENDARS):  # pending: rolled back, those changes never happened
            session.info.pop(name, None)


# --- running ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trigger:
    """What evaluating an enabled trigger needs, kept between transactions: rules change rarely."""
    id: int
    name: str
    events: frozenset
    match: str
    conditions: tuple
    tests: tuple  # the conditions compiled (matching.compile_condition)


_triggers = {}  # database URL -> (stamp of the rules table, [Trigger] in position order)


def trigger_rules() -> list[Trigger]:
    """The enabled triggers in position order; read again only when a rule was added, changed or deleted."""
    stamp = tuple(db.session.execute(text(  # plain SQL: this runs on every commit that changed a ticket
        "SELECT count(id), max(id), max(updated_at) FROM automation_rule")).one())
    key = str(db.engine.url)
    cached = _triggers.get(key)
    if cached is None or cached[0] != stamp:
        found = db.session.scalars(select(Rule).where(Rule.kind == "trigger", Rule.enabled.is_(True))
                                   .order_by(Rule.position, Rule.id))
        cached = _triggers[key] = (stamp, [Trigger(r.id, r.name, frozenset(r.events or ()), r.match,
                                                   tuple(r.conditions or ()),
                                                   tuple(matching.compile_condition(c) for c in r.conditions or ()))
                                           for r in found])
    return cached[1]


def run_triggers(events, rule_list: list[Trigger] | None = None) -> int:
    """Run the enabled triggers on each (ticket id, event, key, message id), in position order; returns fires."""
    rule_list = trigger_rules() if rule_list is None else rule_list
    fired = 0
    for ticket_id, name, key, message_id in events:
        candidates = [r for r in rule_list if name in (r.events or ())]
        ticket = db.session.get(Ticket, ticket_id) if candidates else None
        if ticket is None or ticket.merged_into_id:
            continue
        done = set(db.session.scalars(text("SELECT rule_id FROM rule_run WHERE ticket_id = :t AND event_key = :k"),
                                      {"t": ticket.id, "k": key[:80]}))
        facts = matching.Facts(ticket, message_id=message_id)
        for rule in candidates:
            if rule.id not in done and _matches(rule, facts):
                fired += fire(rule, ticket, key, facts, event=name)
                facts.refresh()  # the next rules see this one's tags and order
    return fired


def _matches(rule, facts) -> bool:
    try:
        return matching.matches(rule, facts)
    except Exception:  # a broken rule must not stop the change that triggered it
        log.warning("rule %s could not be evaluated on ticket %s", rule.id, facts.ticket.id, exc_info=True)
        return False


def _system_actor():
    """The Automation user, looked up once per transaction."""
    from portal.automation.actor import system_actor

    session = db.session()
    actor = session.info.get(ACTOR)
    if actor is None or actor not in session:
        actor = session.info[ACTOR] = system_actor()
    return actor


def fire(rule: Rule | Trigger, ticket: Ticket, key: str, facts, *, event: str) -> int:
    """Claim (rule, ticket, key) and run the rule's actions, marking the events they log with the rule; 0 when
    it already ran (or the rule is gone)."""
    rule = rule if isinstance(rule, Rule) else db.session.get(Rule, rule.id)
    if rule is None:
        return 0
    session = db.session()
    before = ticket.version  # every service bumps it, then logs its events with the new version
    was_running, session.info[RUNNING] = session.info.get(RUNNING), True
    try:
        with rule_actions.savepoint():
            run = RuleRun(rule_id=rule.id, ticket_id=ticket.id, event_key=key[:80], rule_name=rule.name,
                          created_at=utcnow())
            db.session.add(run)
            db.session.flush()  # the unique index claims the run before anything is done
            outcomes = rule_actions.apply(rule, ticket, facts, _system_actor(), event=event)
            run.summary = json.dumps(outcomes, ensure_ascii=False)
            db.session.flush()
            db.session.execute(update(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.version > before, TicketEvent.rule_id.is_(None))
                .values(rule_id=rule.id).execution_options(synchronize_session=False))
    except IntegrityError:
        return 0  # another process ran it first
    finally:
        session.info[RUNNING] = was_running
    return 1


# --- time-based rules ---------------------------------------------------------------------------

def timed_rules() -> list[Rule]:
    return list(db.session.scalars(select(Rule).where(Rule.kind == "timed", Rule.enabled.is_(True))
                                   .order_by(Rule.position, Rule.id)))


def timed_key(anchor) -> str:
    """Once per ticket per clock start: a new customer message (or pending, solved) starts a new clock."""
    return f"timed:{int(anchor.replace(tzinfo=timezone.utc).timestamp())}"


def due_query(rule: Rule, now):
    """(ticket id, clock start) past the rule's threshold and not run for that clock yet: one range of a
    (status, time) index per status, each ticket's RuleRun looked up by its unique index."""
    timing = rule.timing or {}
    column = matching.anchor_column(timing["since"])
    cutoff = now - timedelta(hours=int(timing["hours"]))
    key = "timed:" + cast(epoch_seconds(column), String)
    ran = exists().where(RuleRun.rule_id == rule.id, RuleRun.ticket_id == Ticket.id, RuleRun.event_key == key)
    return select(Ticket.id, column).where(Ticket.status.in_(matching.open_statuses(rule)), column <= cutoff,
                                           column > cutoff - LOOKBACK, *matching.prefilter(rule), ~ran)


def _due_ids(rule: Rule, now) -> list[int]:
    """The rule's due tickets, longest waiting first."""
    return [r[0] for r in sorted(db.session.execute(due_query(rule, now)).all(), key=lambda r: (r[1], r[0]))]


def _sweep_batch(rule: Rule, batch: list[int], now, deadline: float) -> tuple[int, bool]:
    """Test and fire one time-based rule on a batch of its due tickets; returns (fires, out of time)."""
    since, fired = rule.timing["since"], 0
    place = {ticket_id: n for n, ticket_id in enumerate(batch)}
    found = db.session.scalars(select(Ticket).where(Ticket.id.in_(batch)).options(selectinload(Ticket.tag_rows)))
    for ticket in sorted(found, key=lambda t: place[t.id]):
        if fired and time.monotonic() >= deadline:
            return fired, True  # the rest of the batch is still due: the next sweep takes it
        anchor = getattr(ticket, matching.anchor_column(since).key)
        if anchor is None or ticket.merged_into_id or (since == "solved" and ticket.status != Status.SOLVED):
            continue
        facts = matching.Facts(ticket, now=now)
        if _matches(rule, facts):
            fired += fire(rule, ticket, timed_key(anchor), facts, event="timed")
    return fired, time.monotonic() >= deadline


@jobs.task("rules.sweep", max_attempts=1)
def sweep(now=None) -> dict:
    """Run every enabled time-based rule on its due tickets; returns {rule id: fires}.

    One query per rule, then batches taken from each rule in turn and committed one by one, until all are
    done or SWEEP_SECONDS have passed (then it stops after its next fire): a backlog (a new rule, a worker
    that was down) is worked through over the next sweeps, every rule getting its share. The next sweep
    retries, not this job.
    """
    now = now or utcnow()
    deadline = time.monotonic() + SWEEP_SECONDS
    queues = [(rule, iter(_due_ids(rule, now))) for rule in timed_rules()]
    turn = int(now.replace(tzinfo=timezone.utc).timestamp() // 300) % max(len(queues), 1)
    queues = queues[turn:] + queues[:turn]  # each sweep another rule goes first
    done, late = {rule.id: 0 for rule, _ids in queues}, False
    while queues and not late:
        for rule, ids in list(queues):
            batch = list(islice(ids, SWEEP_BATCH))
            if not batch:
                queues.remove((rule, ids))
                continue
            fires, late = _sweep_batch(rule, batch, now, deadline)
            done[rule.id] += fires
            db.session.commit()
            if late:
                break
    db.session.commit()
    return done


def init_app(app):
    ticket_changed.connect(_on_ticket_changed)
