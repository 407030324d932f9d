"""A small hand-made desk whose figures are worked out by hand in the tests.

Week of Monday 9 to Sunday 15 November 2026 (Paris); calendar Monday–Friday 09:00–18:00 Paris; SLA
policy: first response 2 h, resolution 4 h (business time).

  T1 email, store 1, created Fri 6 17:30, agent A answers and solves Mon 9 09:30 (1 h of business time)
  T2 web, created Mon 9 10:00, B answers 10:30, customer writes 11:00, B answers and solves 12:00
  T3 chat, store 1, tag vip, Tue 10 09:00, A answers and solves 09:05, customer reopens 10:00, A solves 11:00
  T4 email, store 2, Wed 11 20:00, never answered (both targets breached by Monday 16)
  T5 web, Sat 14 10:00, B answers Mon 16 09:15 (after the week)
  Surveys: T1 bad (about A), T2 good with a comment (about B), both answered Tue 10.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from portal.accounts.models import Role
from portal.automation import csat
from portal.automation.models import BusinessCalendar, SlaPolicy
from portal.extensions import db
from portal.tickets import services
from portal.tickets.models import Channel
from tests.factories import make_agent, make_store, make_ticket

PARIS = ZoneInfo("Europe/Paris")
WEEK = {str(d): "09:00-18:00" for d in range(5)}


def paris(*parts) -> datetime:
    """A Paris wall-clock time as the naive UTC the database stores."""
    return datetime(*parts, tzinfo=PARIS).astimezone(timezone.utc).replace(tzinfo=None)


def move(clock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


def calendar_and_policy():
    db.session.add(BusinessCalendar(name="Paris", timezone="Europe/Paris", hours=WEEK, is_default=True))
    db.session.add(SlaPolicy(name="Standard", first_response_minutes=120, resolution_minutes=240,
                             warn_before_minutes=0))
    db.session.commit()


def desk(clock) -> dict:
    """The tickets above; returns the actors and tickets by name."""
    calendar_and_policy()
    manager = make_agent(role=Role.MANAGER, name="Mona Manager")
    a, b = make_agent(name="Alice Agent"), make_agent(name="Bruno Agent")
    store1, store2 = make_store(name="Shop one"), make_store(name="Shop two")
    out = {"manager": manager, "a": a, "b": b, "store1": store1, "store2": store2}

    def opened(name, when, **kw):
        move(clock, when)
        out[name] = make_ticket(email=f"{name.lower()}@example.com", **kw)

    def reply(name, when, agent, **kw):
        move(clock, when)
        services.add_reply(out[name], body="Answer.", author=agent, **kw)
        db.session.commit()

    def customer(name, when):
        move(clock, when)
        services.add_reply(out[name], body="But...", author=None, guest_email=out[name].requester_email)
        db.session.commit()

    opened("T1", paris(2026, 11, 6, 17, 30), channel=Channel.EMAIL, store_id=store1.id)
    services.assign(out["T1"], a, actor=manager)
    db.session.commit()
    reply("T1", paris(2026, 11, 9, 9, 30), a, status="solved")
    opened("T2", paris(2026, 11, 9, 10, 0), channel=Channel.WEB)
    services.assign(out["T2"], b, actor=manager)
    db.session.commit()
    reply("T2", paris(2026, 11, 9, 10, 30), b)
    customer("T2", paris(2026, 11, 9, 11, 0))
    reply("T2", paris(2026, 11, 9, 12, 0), b, status="solved")
    opened("T3", paris(2026, 11, 10, 9, 0), channel=Channel.CHAT, store_id=store1.id)
    services.assign(out["T3"], a, actor=manager)
    services.set_tags(out["T3"], ["vip"], actor=manager)
    db.session.commit()
    reply("T3", paris(2026, 11, 10, 9, 5), a, status="solved")
    customer("T3", paris(2026, 11, 10, 10, 0))
    reply("T3", paris(2026, 11, 10, 11, 0), a, status="solved")
    move(clock, paris(2026, 11, 10, 15, 0))
    csat.record_answer(csat.survey_for(out["T1"]), rating="bad")
    csat.record_answer(csat.survey_for(out["T2"]), rating="good", comment="Quick and kind.")
    db.session.commit()
    opened("T4", paris(2026, 11, 11, 20, 0), channel=Channel.EMAIL, store_id=store2.id)
    opened("T5", paris(2026, 11, 14, 10, 0), channel=Channel.WEB)
    reply("T5", paris(2026, 11, 16, 9, 15), b)
    move(clock, paris(2026, 11, 16, 9, 30))
    return out


def week(**dimensions):
    from portal.reports.filters import for_days
    from datetime import date

    return for_days(date(2026, 11, 9), date(2026, 11, 15), **dimensions)


def days(start, count):
    return [start + timedelta(days=i) for i in range(count)]


def refreshed_desk(clock) -> dict:
    """The desk with its facts and rollups computed by the worker's refresh (the `data` fixtures)."""
    from portal.reports import rollups

    made = desk(clock)
    rollups.refresh()
    db.session.commit()
    return made
