"""Rules on "Satisfaction rated": the rating and comment conditions, once per survey and rating, and the shipped
bad-rating rule (reopen, alert the managers) that replaced the survey settings' own reaction."""
import json

from sqlalchemy import select

from portal.accounts.models import Role
from portal.automation import csat, defaults, matching, rule_services, rules
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import Status
from tests.automation.rule_helpers import make_rule, runs
from tests.factories import make_agent, make_ticket, make_user


def solved_survey(ticket=None):
    ticket = ticket or make_ticket()
    agent = make_agent()
    services.assign(ticket, agent, actor=agent)
    services.change_status(ticket, Status.SOLVED, actor=agent)
    db.session.commit()
    return csat.survey_for(ticket)


def answer(survey, rating, comment=None):
    csat.record_answer(survey, rating=rating, comment=comment)
    db.session.commit()


def holds(ticket, field, op, value=None) -> bool:
    cleaned = rules.clean_rule(name="c", kind="trigger", events=["csat"], actions=[{"type": "add_tags", "value": "x"}],
                               conditions=[{"field": field, "op": op, "value": value}])
    return matching.holds(cleaned["conditions"][0], matching.Facts(ticket))


def test_the_rating_and_comment_conditions_read_the_survey(app):
    ticket = make_ticket()
    assert holds(ticket, "csat_rating", "none") and holds(ticket, "csat_comment", "no")
    survey = solved_survey(ticket)
    answer(survey, "okay", "Fine.")
    assert holds(ticket, "csat_rating", "is", "Okay") and holds(ticket, "csat_rating", "is_not", "bad")
    assert holds(ticket, "csat_rating", "any") and holds(ticket, "csat_comment", "yes")


def test_a_rule_on_satisfaction_rated_fires_once_per_rating(app):
    rule = make_rule(name="Unhappy with words", events=["csat"],
                     conditions=[{"field": "csat_rating", "op": "is", "value": "bad"},
                                 {"field": "csat_comment", "op": "yes"}],
                     actions=[{"type": "add_tags", "value": "unhappy"}])
    survey = solved_survey()
    ticket = csat.ticket_of(survey)
    answer(survey, "good")
    answer(survey, "bad")  # no comment yet: the rule does not match
    assert "unhappy" not in ticket.tags and not runs(rule)
    answer(survey, "bad", "It broke after a day.")
    assert "unhappy" in ticket.tags and len(runs(rule)) == 1
    answer(survey, "bad", "It broke after a day, and nobody called.")  # a comment edited: no second run
    answer(survey, "good", "Sorted.")
    answer(survey, "bad", "Broken again.")  # bad again on the same survey: already handled
    assert len(runs(rule)) == 1 and runs(rule)[0].event_key == f"csat:{survey.id}:bad"


def test_the_shipped_bad_rating_rule_is_off_until_a_manager_turns_it_on(app):
    boss = make_user(role=Role.MANAGER, email="boss@example.com")
    defaults.install_defaults()
    db.session.commit()
    rule = rule_services.builtin_rule(defaults.BAD_RATING)
    assert not rule.enabled and rule.events == ["csat"]
    assert rule.actions == [{"type": "set_status", "value": "open"}, {"type": "notify_managers", "value": None}]
    quiet = solved_survey()
    answer(quiet, "bad", "Slow.")
    assert csat.ticket_of(quiet).status == Status.SOLVED and not runs(rule)
    rule_services.set_enabled(rule, True)
    db.session.commit()
    loud = solved_survey()
    answer(loud, "bad", "Slow again.")
    assert csat.ticket_of(loud).status == Status.OPEN
    [alert] = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == boss.email)).all()
    assert "Customer rated: bad — Slow again." in alert.text


def test_a_closed_ticket_rated_bad_stays_closed_and_the_managers_still_hear_of_it(app):
    boss = make_user(role=Role.MANAGER, email="boss@example.com")
    defaults.install_defaults()
    rule = rule_services.builtin_rule(defaults.BAD_RATING)
    rule_services.set_enabled(rule, True)
    db.session.commit()
    survey = solved_survey()
    ticket = csat.ticket_of(survey)
    services.change_status(ticket, Status.CLOSED, actor=make_agent())
    db.session.commit()
    answer(survey, "bad")
    reopen, notify = json.loads(runs(rule)[0].summary)
    assert reopen["skipped"] == "closed" and "error" not in notify and ticket.status == Status.CLOSED
    assert db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == boss.email)).all()


def test_a_reaction_chosen_in_the_old_survey_settings_becomes_the_rule(app, tmp_path):
    (tmp_path / "instance" / "csat.json").write_text(json.dumps(
        {"enabled": True, "delay_hours": 6, "channels": ["web"], "bad_reopen": True, "bad_notify": False}))
    defaults.install_defaults()
    db.session.commit()
    rule = rule_services.builtin_rule(defaults.BAD_RATING)
    assert rule.enabled and rule.actions == [{"type": "set_status", "value": "open"}]
    assert csat.settings() == {"enabled": True, "delay_hours": 6, "channels": ["web"]}
