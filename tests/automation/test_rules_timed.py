"""Time-based rules: the sweep with a moved clock picks exactly the tickets past the threshold, once per clock
start; it reads indexes; the preview shows which open tickets match now."""
import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from portal.automation import engine, rule_services
from portal.extensions import db
from portal.jobs import services as jobs
from portal.models_base import utcnow
from portal.tickets import services
from portal.tickets.models import Status
from tests.automation.rule_helpers import make_rule, runs
from tests.factories import make_agent, make_ticket


def timed(since, hours, actions=None, **values):
    return make_rule(name=f"{hours} h {since}", kind="timed", since=since, hours=hours,
                     actions=actions or [{"type": "add_tags", "value": "late"}], **values)


def test_the_sweep_takes_exactly_the_tickets_past_the_threshold_and_never_twice(app, clock):
    rule = timed("created", 2)
    early = make_ticket()
    clock.advance(minutes=90)
    later = make_ticket()
    clock.advance(minutes=35)  # early: 2 h 05, later: 35 min
    assert engine.sweep() == {rule.id: 1}
    db.session.expire_all()
    assert early.tags == ["late"] and later.tags == []
    assert engine.sweep() == {rule.id: 0}
    clock.advance(minutes=90)  # later: 2 h 05
    assert engine.sweep() == {rule.id: 1}
    db.session.expire_all()
    assert later.tags == ["late"] and len(runs(rule)) == 2


def test_waiting_since_the_last_customer_message_starts_again_with_each_message(app, clock):
    agent = make_agent(email="ana@example.com")
    rule = timed("customer_message", 4, conditions=[{"field": "awaiting_reply", "op": "yes"}],
                 actions=[{"type": "add_note", "value": "Still waiting."}])
    answered = make_ticket()
    waiting = make_ticket()
    clock.advance(hours=1)
    services.add_reply(answered, body="Here it is.", author=agent)
    db.session.commit()
    clock.advance(hours=3, minutes=5)
    engine.sweep()
    assert [r.ticket_id for r in runs(rule)] == [waiting.id]
    services.add_reply(waiting, body="Sorry for the wait.", author=agent)
    services.add_reply(waiting, body="Still nothing arrived", author=None, guest_email=waiting.requester_email)
    db.session.commit()
    clock.advance(hours=3)
    engine.sweep()
    assert len(runs(rule)) == 1
    clock.advance(hours=1, minutes=5)
    engine.sweep()
    assert [r.ticket_id for r in runs(rule)] == [waiting.id, waiting.id]
    assert len({r.event_key for r in runs(rule)}) == 2


def test_pending_and_solved_clocks(app, clock):
    agent = make_agent()
    solve = timed("pending", 72, actions=[{"type": "set_status", "value": "solved"}])
    close = timed("solved", 96, actions=[{"type": "set_status", "value": "closed"}])
    ticket = make_ticket()
    services.change_status(ticket, "pending", actor=agent)
    db.session.commit()
    clock.advance(hours=71)
    engine.sweep()
    assert ticket.status == Status.PENDING
    clock.advance(hours=2)
    engine.sweep()
    db.session.expire_all()
    assert ticket.status == Status.SOLVED and not runs(close)
    clock.advance(hours=97)
    engine.sweep()
    db.session.expire_all()
    assert ticket.status == Status.CLOSED and len(runs(solve)) == 1 and len(runs(close)) == 1


def test_conditions_hold_at_sweep_time_and_old_tickets_are_left_alone(app, clock):
    agent = make_agent()
    rule = timed("created", 1, conditions=[{"field": "tags", "op": "has", "value": "vip"}])
    forgotten = make_ticket()
    clock.advance(days=40)  # past the rule's threshold longer ago than engine.LOOKBACK
    plain, vip = make_ticket(), make_ticket()
    services.set_tags(vip, "vip", actor=agent)
    services.set_tags(forgotten, "vip", actor=agent)
    db.session.commit()
    clock.advance(hours=2)
    engine.sweep()
    assert [r.ticket_id for r in runs(rule)] == [vip.id]
    assert plain.tags == [] and forgotten.tags == ["vip"]


def test_disabled_time_based_rules_do_not_run(app, clock):
    rule = timed("created", 1)
    rule_services.set_enabled(rule, False)
    db.session.commit()
    make_ticket()
    clock.advance(hours=2)
    assert engine.sweep() == {}


def plan_of(query) -> str:
    compiled = query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    return " ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


@pytest.mark.sqlite_only
def test_the_sweep_query_reads_the_status_and_time_indexes(app):
    agent = make_agent(email="ana@example.com")
    for since, index in (("created", "ix_ticket_status_created"), ("pending", "ix_ticket_status_changed"),
                         ("customer_message", "ix_ticket_status_customer_message")):
        plan = plan_of(engine.due_query(timed(since, 4), utcnow()))
        assert f"SEARCH ticket USING COVERING INDEX {index} (status=? AND" in plan, plan
        assert "SEARCH rule_run USING" in plan and "(rule_id=? AND ticket_id=? AND event_key=?)" in plan, plan
        narrowed = timed(since, 4, conditions=[{"field": "assignee", "op": "is", "value": agent.email}])
        assert "SCAN ticket" not in plan_of(engine.due_query(narrowed, utcnow()))


def test_the_worker_runs_the_sweep_as_a_job(app, clock):
    rule = timed("created", 1)
    ticket = make_ticket()
    clock.advance(hours=2)
    jobs.enqueue("rules.sweep")
    db.session.commit()  # the test app runs jobs at once
    db.session.expire_all()
    assert ticket.tags == ["late"] and len(runs(rule)) == 1


def test_preview_lists_the_open_tickets_a_rule_matches_now(app, clock):
    agent = make_agent()
    trigger = make_rule(conditions=[{"field": "text", "op": "contains_any", "value": "remboursement, refund"}])
    rule_services.set_enabled(trigger, False)
    db.session.commit()
    refund = make_ticket(subject="Refund please")
    rembourse = make_ticket(body="Je voudrais un remboursement")
    make_ticket(subject="Where is my parcel")
    solved = make_ticket(subject="Refund again")
    services.change_status(solved, "solved", actor=agent)
    db.session.commit()
    result = rule_services.preview(trigger)
    assert result.count == 2 and {t.id for t in result.tickets} == {refund.id, rembourse.id} and not result.capped
    assert not runs() and refund.tags == []  # nothing changed
    waiting = timed("created", 3)
    assert rule_services.preview(waiting).count == 0
    clock.advance(hours=4)
    assert rule_services.preview(waiting).count == 3
    assert rule_services.preview(trigger, scan=1).capped


def test_a_long_sweep_stops_at_its_time_budget_and_the_next_one_goes_on(app, clock, monkeypatch):
    monkeypatch.setattr(engine, "SWEEP_BATCH", 2)
    monkeypatch.setattr(engine, "SWEEP_SECONDS", 0)  # the time is spent from the start: one fire per sweep
    rules = [timed("created", 1, actions=[{"type": "add_tags", "value": f"r{n}"}]) for n in range(2)]
    tickets = [make_ticket() for _ in range(3)]
    clock.advance(hours=2)
    fires = []
    for _ in range(7):
        fires.append(engine.sweep())
        clock.advance(minutes=5)  # the next sweep: the other rule goes first
    assert [sum(f.values()) for f in fires] == [1, 1, 1, 1, 1, 1, 0]
    assert [sum(f[r.id] for f in fires) for r in rules] == [3, 3]
    db.session.expire_all()
    assert all(t.tags == ["r0", "r1"] for t in tickets)
