"""Due times read the calendars from the process's snapshot (no query per ticket event), and a manager's
change to a calendar applies to the very next ticket."""
from datetime import datetime

from portal.automation import sla
from portal.automation import sla_settings as settings
from portal.automation.models import SlaPolicy
from portal.extensions import db
from tests.factories import make_group, make_ticket

WEEK = {str(day): "09:00-18:00" for day in range(5)}


def opened_at(clock, when: datetime, **kwargs):
    clock.advance(seconds=(when - clock.now()).total_seconds())
    return make_ticket(**kwargs)


def test_a_calendar_change_applies_to_the_next_ticket_at_once(app, clock):
    calendar = settings.save_calendar(name="Paris", timezone="Europe/Paris", hours=WEEK, country="FR",
                                      is_default=True)
    db.session.add(SlaPolicy(name="Standard", first_response_minutes=60))
    db.session.commit()
    saturday = opened_at(clock, datetime(2026, 6, 6, 9, 0))  # Saturday 11:00 in Paris: closed
    assert saturday.first_reply_due_at == datetime(2026, 6, 8, 8, 0)  # Monday 10:00 Paris
    settings.save_calendar(name="Paris", timezone="Europe/Paris", hours={**WEEK, "5": "10:00-16:00"},
                           country="FR", is_default=True, calendar=calendar)
    db.session.commit()
    again = make_ticket()
    assert abs((again.first_reply_due_at - datetime(2026, 6, 6, 10, 0)).total_seconds()) < 120  # open on Saturdays now


def test_the_group_calendar_wins_over_the_default_and_recompute_runs_no_query(app, clock, count_queries):
    shipping = make_group("Shipping")
    settings.save_calendar(name="Paris", timezone="Europe/Paris", hours=WEEK, country="FR", is_default=True)
    settings.save_calendar(name="Warehouse", timezone="Europe/Paris", hours={**WEEK, "5": "10:00-16:00"},
                           country="FR", group_id=shipping.id)
    db.session.add(SlaPolicy(name="Standard", first_response_minutes=60))
    db.session.commit()
    ticket = opened_at(clock, datetime(2026, 6, 6, 9, 0))
    ticket.group_id = shipping.id
    sla.recompute(ticket)  # loads the ticket's row (expired by the commit) and the process's snapshots
    with count_queries() as statements:
        sla.recompute(ticket)
        sla.recompute(ticket)
    assert statements == []  # as on every later ticket event of this process
    assert abs((ticket.first_reply_due_at - datetime(2026, 6, 6, 10, 0)).total_seconds()) < 120  # Saturday 12:00 Paris
