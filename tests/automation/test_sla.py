"""SLA due times in business time, pauses, the queue's soonest target, warnings and breaches by the sweep."""
from datetime import datetime

from portal.automation import sla
from portal.automation.models import BusinessCalendar, SlaPolicy
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import Priority, Status, Ticket
from tests.factories import make_agent, make_ticket

PARIS_WEEK = {str(d): "09:00-18:00" for d in range(5)}


def policy(**values) -> SlaPolicy:
    row = SlaPolicy(**{"name": "Standard", "first_response_minutes": 240, "next_response_minutes": 480,
                       "resolution_minutes": 2880, "warn_before_minutes": 60, **values})
    db.session.add(row)
    db.session.commit()
    return row


def paris_calendar(**values) -> BusinessCalendar:
    row = BusinessCalendar(**{"name": "Paris", "timezone": "Europe/Paris", "hours": PARIS_WEEK, "country": "FR",
                              "is_default": True, **values})
    db.session.add(row)
    db.session.commit()
    return row


def near(moment, expected, seconds=5) -> bool:
    """The clock keeps running while a test runs: equal to within a few seconds."""
    return moment is not None and abs((moment - expected).total_seconds()) < seconds


def opened_at(clock, when: datetime, **kwargs) -> Ticket:
    """A ticket opened at `when` (UTC): the clock is moved there for the opening."""
    clock.advance(seconds=(when - clock.now()).total_seconds())
    return make_ticket(**kwargs)


def test_due_times_count_business_hours_and_skip_the_weekend(app, clock):
    paris_calendar()
    policy()
    ticket = opened_at(clock, datetime(2026, 6, 5, 15, 0))  # Friday 17:00 in Paris
    assert near(ticket.first_reply_due_at, datetime(2026, 6, 8, 10, 0))  # Monday 12:00 Paris: 1 h Friday + 3 h Monday
    assert near(ticket.resolution_due_at, datetime(2026, 6, 15, 9, 0))  # 48 h of 9-hour days: Monday 15th 11:00
    assert ticket.sla_due_at == ticket.first_reply_due_at


def test_without_a_calendar_targets_are_clock_hours(app, clock):
    policy(first_response_minutes=60)
    ticket = opened_at(clock, datetime(2026, 6, 6, 10, 0))  # a Saturday
    assert near(ticket.first_reply_due_at, datetime(2026, 6, 6, 11, 0))


def test_the_first_policy_that_matches_wins(app, clock):
    policy(name="Urgent", priorities=["urgent"], first_response_minutes=30, position=0)
    policy(name="Everything else", first_response_minutes=240, position=1)
    normal = opened_at(clock, datetime(2026, 6, 3, 8, 0))
    urgent = make_ticket(priority=Priority.URGENT)
    assert abs((normal.first_reply_due_at - normal.created_at).total_seconds() - 240 * 60) < 1
    assert abs((urgent.first_reply_due_at - urgent.created_at).total_seconds() - 30 * 60) < 1


def test_raising_the_priority_moves_the_ticket_to_the_stricter_policy(app, clock):
    policy(name="Urgent", priorities=["urgent"], first_response_minutes=30, position=0)
    policy(name="Standard", first_response_minutes=240, position=1)
    ticket = opened_at(clock, datetime(2026, 6, 3, 8, 0))
    services.set_priority(ticket, Priority.URGENT, actor=make_agent())
    db.session.commit()
    assert near(ticket.first_reply_due_at, datetime(2026, 6, 3, 8, 30))


def test_an_agent_reply_meets_the_first_response_and_a_customer_reply_starts_the_next(app, clock):
    policy()
    agent = make_agent()
    ticket = opened_at(clock, datetime(2026, 6, 3, 8, 0))
    clock.advance(hours=1)
    services.add_reply(ticket, body="On it.", author=agent)
    db.session.commit()
    assert ticket.first_reply_due_at is None and "met:first" in ticket.sla_state
    assert ticket.next_response_due_at is None
    clock.advance(hours=2)
    services.add_reply(ticket, body="Any news?", author=None, guest_email=ticket.requester_email)
    db.session.commit()
    assert near(ticket.next_response_due_at, datetime(2026, 6, 3, 19, 0))  # 11:00 + 8 h (no calendar)
    services.add_reply(ticket, body="Shipped today.", author=agent)
    db.session.commit()
    assert ticket.next_response_due_at is None


def test_pending_pauses_the_resolution_clock_and_resumes_with_what_was_left(app, clock):
    policy(first_response_minutes=None, resolution_minutes=600)  # 10 h, no calendar
    agent = make_agent()
    ticket = opened_at(clock, datetime(2026, 6, 3, 8, 0))
    clock.advance(hours=4)
    services.add_reply(ticket, body="Can you send a photo?", author=agent, status="pending")
    db.session.commit()
    assert ticket.resolution_due_at is None and ticket.sla_resolution_left == 360
    clock.advance(hours=30)  # the customer answers the next day
    services.add_reply(ticket, body="Here it is.", author=None, guest_email=ticket.requester_email)
    db.session.commit()
    assert ticket.status == Status.OPEN
    assert near(ticket.resolution_due_at, datetime(2026, 6, 5, 0, 0))  # answered at 18:00, + the 6 h left


def test_solving_clears_the_live_targets_and_records_the_outcome(app, clock):
    policy(first_response_minutes=60)
    agent = make_agent()
    ticket = opened_at(clock, datetime(2026, 6, 3, 8, 0))
    clock.advance(hours=2)
    services.add_reply(ticket, body="Done.", author=agent, status="solved")
    db.session.commit()
    assert ticket.sla_due_at is None and ticket.resolution_due_at is None
    assert "b:first" in ticket.sla_state  # answered after the hour


def test_the_sweep_warns_then_escalates_once(app, clock):
    agent = make_agent(email="alice@shop.example")
    policy(first_response_minutes=120, warn_before_minutes=30,
           warn_actions=[{"type": "notify_assignee"}],
           breach_actions=[{"type": "raise_priority"}, {"type": "add_tag", "value": "sla-breached"}])
    ticket = opened_at(clock, datetime(2026, 6, 3, 8, 0))
    services.assign(ticket, agent, actor=agent)
    db.session.commit()
    mails = lambda: db.session.query(OutgoingMail).filter_by(to="alice@shop.example").count()  # noqa: E731
    before = mails()

    clock.advance(minutes=60)
    assert sla.sweep() == {"warned": 0, "breached": 0}
    clock.advance(minutes=35)  # 25 min before the due time
    assert sla.sweep() == {"warned": 1, "breached": 0}
    assert mails() == before + 1
    assert sla.sweep() == {"warned": 0, "breached": 0}  # not twice
    clock.advance(minutes=30)
    assert sla.sweep() == {"warned": 0, "breached": 1}
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.priority == Priority.HIGH and "sla-breached" in ticket.tags
    assert sla.sweep() == {"warned": 0, "breached": 0}
    notes = [m.body for m in ticket_messages(ticket) if m.is_note]
    assert any("first response target was missed" in n for n in notes)


def ticket_messages(ticket):
    from portal.tickets.models import TicketMessage

    return db.session.query(TicketMessage).filter_by(ticket_id=ticket.id).all()


def test_describe_says_due_in_or_overdue(app, clock):
    policy(first_response_minutes=80)
    ticket = opened_at(clock, datetime(2026, 6, 3, 8, 0))
    shown = sla.describe(ticket)
    assert shown["target"] == "first" and not shown["overdue"] and sla.duration_text(shown["minutes"]) == "1 h 20"
    clock.advance(hours=4, minutes=20)
    shown = sla.describe(ticket)
    assert shown["overdue"] and sla.duration_text(shown["minutes"]) == "3 h"


def test_no_policy_means_no_due_times(app):
    ticket = make_ticket()
    assert ticket.sla_due_at is None and ticket.first_reply_due_at is None


def test_the_team_back_at_variable_names_the_next_opening(app, clock):
    from flask_babel import force_locale

    from portal.tickets.macros import team_back_at

    paris_calendar()
    ticket = opened_at(clock, datetime(2026, 6, 6, 10, 0))  # Saturday noon in Paris
    with force_locale("en"):
        assert team_back_at(ticket) == "Monday 8 June, 09:00"
    with force_locale("fr"):
        assert team_back_at(ticket) == "lundi 8 juin, 09:00"
    clock.advance(days=2)  # Monday 12:00: open
    assert team_back_at(ticket) == ""
