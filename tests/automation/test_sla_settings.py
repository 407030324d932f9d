"""Managers set business hours and SLA policies from the UI; open tickets get due times from them."""
from datetime import datetime

import pytest

from portal.accounts.models import Role
from portal.automation import sla_settings
from portal.automation.models import BusinessCalendar, SlaPolicy
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets.models import Ticket
from tests.factories import make_agent, make_ticket, make_user


@pytest.fixture
def manager(client, login):
    user = make_user(role=Role.MANAGER, email="boss@example.com")
    login(user.email)
    return user


@pytest.mark.parametrize("text,minutes", [("4h", 240), ("1h30", 90), ("90m", 90), ("2d", 2880), ("45", 45),
                                          ("1d 2h", 1560), ("", None)])
def test_durations(text, minutes):
    assert sla_settings.parse_duration(text, "first") == minutes


@pytest.mark.parametrize("text", ["soon", "4 hours and a bit", "0m", "400d"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValidationError):
        sla_settings.parse_duration(text, "first")


def test_a_manager_creates_a_calendar_and_a_policy_and_an_open_ticket_gets_its_due_time(client, manager, clock):
    clock.advance(seconds=(datetime(2026, 6, 5, 15, 0) - clock.now()).total_seconds())  # Friday 17:00 Paris
    ticket = make_ticket()
    assert ticket.sla_due_at is None
    page = client.get("/staff/settings/hours/new")
    assert page.status_code == 200 and 'value="09:00-18:00"' in page.get_data(as_text=True)
    response = client.post("/staff/settings/hours/new", data={
        "name": "Paris office", "timezone": "Europe/Paris", "day0": "09:00-18:00", "day1": "09:00-18:00",
        "day2": "09:00-18:00", "day3": "09:00-18:00", "day4": "09:00-18:00", "country": "FR",
        "closed_dates": "2026-08-14", "is_default": "y"}, follow_redirects=True)
    assert "Calendar saved." in response.get_data(as_text=True)
    calendar = db.session.query(BusinessCalendar).one()
    assert calendar.is_default and calendar.closed_dates == ["2026-08-14"]

    response = client.post("/staff/settings/sla/new", data={
        "name": "Standard", "first": "4h", "next_": "1d", "resolution": "2d", "pause_when_waiting": "y",
        "warn_before": "30m", "warn_actions": ["notify_assignee"], "breach_actions": ["raise_priority"],
        "enabled": "y"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "SLA policy saved." in page and "4h" in page and "1d" in page
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    # 1 h on Friday, 3 h on Monday: Monday 12:00 in Paris.
    assert abs((ticket.first_reply_due_at - datetime(2026, 6, 8, 10, 0)).total_seconds()) < 120
    assert db.session.query(SlaPolicy).one().warn_before_minutes == 30


def test_bad_values_show_field_errors_and_save_nothing(client, manager):
    response = client.post("/staff/settings/hours/new", data={"name": "X", "timezone": "Mars/Olympus",
                                                              "day0": "09:00-18:00"})
    assert response.status_code == 400 and "Choose a time zone" in response.get_data(as_text=True)
    response = client.post("/staff/settings/hours/new", data={"name": "X", "timezone": "Europe/Paris",
                                                              "day0": "18:00-09:00"})
    assert response.status_code == 400 and "ends before it starts" in response.get_data(as_text=True)
    response = client.post("/staff/settings/hours/new", data={"name": "X", "timezone": "Europe/Paris",
                                                              "closed_dates": "2026-08-14\n14/07/2026"})
    assert response.status_code == 400 and "Line 2: write a date" in response.get_data(as_text=True)
    response = client.post("/staff/settings/hours/new", data={"name": "X", "timezone": "Europe/Paris",
                                                              "country": "ZZ"})
    assert response.status_code == 400 and "Unknown country code" in response.get_data(as_text=True)
    assert db.session.query(BusinessCalendar).count() == 0

    response = client.post("/staff/settings/sla/new", data={"name": "Empty"})
    assert response.status_code == 400 and "Set at least one target." in response.get_data(as_text=True)
    response = client.post("/staff/settings/sla/new", data={"name": "Bad", "first": "soon"})
    assert response.status_code == 400 and "Write a duration" in response.get_data(as_text=True)
    response = client.post("/staff/settings/sla/new", data={"name": "Tag", "first": "1h",
                                                            "breach_actions": ["add_tag"]})
    assert response.status_code == 400 and "Name the tag" in response.get_data(as_text=True)
    assert db.session.query(SlaPolicy).count() == 0


def test_policies_are_ordered_and_the_first_match_wins(client, manager):
    sla_settings.save_policy(name="Everything", first="8h")
    sla_settings.save_policy(name="Urgent", first="30m", priorities=["urgent"])
    db.session.commit()
    urgent = db.session.query(SlaPolicy).filter_by(name="Urgent").one()
    client.post(f"/staff/settings/sla/{urgent.id}/move", data={"direction": "up"})
    page = client.get("/staff/settings/sla/").get_data(as_text=True)
    assert page.index("Urgent") < page.index("Everything")
    from portal.tickets.models import Priority

    ticket = make_ticket(priority=Priority.URGENT)
    assert ticket.sla_policy_id == urgent.id


def test_the_pages_are_for_managers_only(client, login):
    agent = make_agent(email="agent@example.com")
    login(agent.email)
    assert client.get("/staff/settings/sla/").status_code in (403, 404)
    assert client.get("/staff/settings/hours/").status_code in (403, 404)


def test_the_default_policy_is_the_aging_targets(app):
    assert sla_settings.install_defaults() is True
    policy = db.session.query(SlaPolicy).one()
    assert (policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes) == (240, 1440,
                                                                                                         2880)
    assert sla_settings.install_defaults() is False
