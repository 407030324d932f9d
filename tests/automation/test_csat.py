"""Satisfaction surveys: created on solve, mailed once after the delay (in the customer's language, never
to flagged, opted-out or address-less tickets), answered (each answer noted on the ticket for the rules), the shipped bad-rating rule, settings and the CLI."""
import hashlib
import json
import re

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.automation import csat
from portal.automation.models import CsatSurvey
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.signals import ticket_changed
from portal.tickets import notifications, services
from portal.tickets.models import Channel, MessageKind, Status, TicketMessage
from tests.factories import make_agent, make_ticket, make_user


def solve(ticket, agent, *, assign=True):
    if assign:
        services.assign(ticket, agent, actor=agent)
    services.change_status(ticket, Status.SOLVED, actor=agent)
    db.session.commit()
    return csat.survey_for(ticket)


def survey_mails(to=None):
    query = select(OutgoingMail).where(OutgoingMail.message_id.like("%.csat@%")).order_by(OutgoingMail.id)
    mails = db.session.scalars(query).all()
    return [m for m in mails if to is None or m.to == to]


def send_due() -> int:
    count = csat.send_due()
    db.session.commit()
    return count


def token_of(mail) -> str:
    return re.search(r"http://localhost/survey/([\w-]+)/good", mail.text).group(1)


def test_solving_creates_one_survey_for_the_assignee_due_after_the_delay(app, clock):
    agent = make_agent()
    ticket = make_ticket()
    survey = solve(ticket, agent)
    assert survey is not None and survey.agent_id == agent.id and survey.sent_at is None
    assert abs((survey.send_after - clock.now()).total_seconds() - 24 * 3600) < 5
    services.change_status(ticket, Status.CLOSED, actor=agent)
    db.session.commit()
    assert db.session.scalars(select(CsatSurvey)).all() == [survey]


def test_send_and_solve_from_the_composer_creates_the_survey_too(app):
    agent = make_agent()
    ticket = make_ticket()
    services.add_reply(ticket, body="Refund sent.", author=agent, status="solved")
    db.session.commit()
    assert csat.survey_for(ticket) is not None
    services.add_reply(ticket, body="One more thing.", author=agent)  # still solved: no new schedule
    db.session.commit()
    assert len(db.session.scalars(select(CsatSurvey)).all()) == 1


def test_the_survey_is_mailed_after_the_delay_exactly_once_with_auto_submitted(app, clock):
    ticket = make_ticket(email="rose@example.com")
    survey = solve(ticket, make_agent())
    clock.advance(hours=23)
    assert send_due() == 0 and survey_mails() == []
    clock.advance(hours=2)
    assert send_due() == 1
    assert send_due() == 0
    [mail] = survey_mails()
    assert mail.to == "rose@example.com" and mail.headers["Auto-Submitted"] == "auto-generated"
    assert "How did we do?" in mail.text and "Good: http://localhost/survey/" in mail.text
    assert "Okay: http://localhost/survey/" in mail.text and "Bad: http://localhost/survey/" in mail.text
    assert "Add a comment: http://localhost/survey/" in mail.text and "/survey/" in (mail.html or "")
    token = token_of(mail)
    db.session.refresh(survey)
    assert survey.sent_at is not None and survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(csat.survey_data(survey))


def test_a_french_customer_gets_the_survey_in_french(app, clock):
    french = make_user(email="marie@example.com")
    french.locale = "fr"
    db.session.commit()
    solve(make_ticket(requester=french), make_agent())
    guest = make_ticket(email="jean@example.com", locale="fr")
    solve(guest, make_agent())
    clock.advance(hours=25)
    assert send_due() == 2
    for address in ("marie@example.com", "jean@example.com"):
        [mail] = survey_mails(address)
        assert "Êtes-vous satisfait de notre aide" in mail.text and "Bien\u00a0: http://localhost/survey/" in mail.text
        assert "Mauvais\u00a0: http://localhost/survey/" in mail.text and "How did we do?" not in mail.text


def test_no_survey_for_an_opted_out_customer_even_if_they_opt_out_during_the_delay(app, clock):
    agent = make_agent()
    notifications.set_preference("quiet@example.com", ticket_notifications=False)
    db.session.commit()
    assert solve(make_ticket(email="quiet@example.com"), agent) is None
    later = make_ticket(email="later@example.com")
    assert solve(later, agent) is not None
    notifications.set_preference("later@example.com", ticket_notifications=False)
    db.session.commit()
    clock.advance(hours=25)
    assert send_due() == 0 and survey_mails() == []
    assert csat.survey_for(later) is None  # dropped; the portal can still start one for an account


def test_no_survey_for_a_ticket_that_began_with_flagged_mail(app):
    from portal.channels.email.ingest import ingest

    raw = (b"From: Rose <rose@example.com>\nTo: support@shop.example\nSubject: Refund\n"
           b"Message-ID: <flagged-1@example.com>\n"
           b"Authentication-Results: mx.shop.example; spf=fail smtp.mailfrom=example.com; dkim=fail; dmarc=fail\n"
           b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nPlease refund me.\n")
    result = ingest(raw)
    db.session.commit()
    ticket = services.get_ticket(result.ticket)
    assert ticket.channel == Channel.EMAIL
    assert solve(ticket, make_agent()) is None


def test_no_survey_for_an_sms_conversation_without_an_address(app):
    ticket = services.open_ticket(subject="SMS", body="Where is my parcel?", channel=Channel.SMS, contact_id=7,
                                  channel_address="+33600000000")
    db.session.commit()
    assert ticket.requester_email == ""
    assert solve(ticket, make_agent()) is None


def test_only_the_channels_a_manager_chose_are_asked(app):
    csat.save_settings(enabled=True, delay_hours=24, channels=["email"])
    assert solve(make_ticket(channel=Channel.WEB), make_agent()) is None
    csat.save_settings(enabled=False, delay_hours=24, channels=["web"])
    assert solve(make_ticket(channel=Channel.WEB), make_agent()) is None


def test_reopened_before_the_mail_waits_and_a_sent_survey_is_never_redone(app, clock):
    agent, other = make_agent(), make_agent()
    ticket = make_ticket()
    first = solve(ticket, agent)
    clock.advance(hours=20)
    services.change_status(ticket, Status.OPEN, actor=agent)
    db.session.commit()
    clock.advance(hours=5)
    assert send_due() == 0  # reopened when it fell due: nobody is asked about an open ticket
    again = solve(ticket, other)
    assert again.id == first.id and again.agent_id == other.id
    assert abs((again.send_after - clock.now()).total_seconds() - 24 * 3600) < 5
    clock.advance(hours=25)
    assert send_due() == 1
    sent_at = csat.survey_for(ticket).sent_at
    services.change_status(ticket, Status.OPEN, actor=agent)
    solve(ticket, agent)
    clock.advance(hours=25)
    assert send_due() == 0 and len(survey_mails()) == 1 and csat.survey_for(ticket).sent_at == sent_at


def test_answers_are_checked_replaced_while_open_and_refused_after_thirty_days(app, clock):
    survey = solve(make_ticket(), make_agent())
    with pytest.raises(ValidationError) as error:
        csat.record_answer(survey, rating="great")
    assert error.value.field == "rating"
    with pytest.raises(ValidationError) as error:
        csat.record_answer(survey, rating="good", comment="x" * 2001)
    assert error.value.field == "comment" and survey.rating is None
    csat.record_answer(survey, rating="okay", comment="  Slow but fine.  ")
    csat.record_answer(survey, rating="good", comment="Actually great.")
    db.session.commit()
    assert (survey.rating, survey.comment) == ("good", "Actually great.")
    clock.advance(days=31)
    with pytest.raises(Conflict):
        csat.record_answer(survey, rating="bad")
    assert survey.rating == "good"


def test_every_answer_is_signalled_for_the_rules(app):
    seen = []

    def listener(ticket, kind=None, **kwargs):
        if kind == "csat":
            seen.append((ticket.number, kwargs["rating"]))
    ticket_changed.connect(listener)
    try:
        ticket = make_ticket()
        csat.record_answer(solve(ticket, make_agent()), rating="bad")
    finally:
        ticket_changed.disconnect(listener)
    assert seen == [(ticket.number, "bad")]
    assert ticket.status == Status.SOLVED  # what a rating does is a rule's job


def test_a_bad_rating_reopens_the_ticket_with_a_note_and_mails_the_managers_once_its_rule_is_on(app):
    from portal.automation import defaults, rule_services

    manager = make_agent(role=Role.MANAGER, email="boss@example.com")
    defaults.install_defaults()
    rule_services.set_enabled(rule_services.builtin_rule(defaults.BAD_RATING), True)
    db.session.commit()
    ticket = make_ticket()
    survey = solve(ticket, make_agent())
    csat.record_answer(survey, rating="bad", comment="Nobody answered my question.")
    db.session.commit()
    assert ticket.status == Status.OPEN
    note = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                                          TicketMessage.kind == MessageKind.NOTE)).one()
    assert note.body == "Customer rated: bad — Nobody answered my question."
    alert = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == manager.email)).one()
    assert "Bad rating: reopen and alert the managers" in alert.text and "Nobody answered my question." in alert.text
    csat.record_answer(survey, rating="bad", comment="Still bad.")  # already bad: no second reaction
    db.session.commit()
    assert len(db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == manager.email)).all()) == 1


def test_settings_are_checked_and_kept_in_the_instance_folder(app, tmp_path):
    assert csat.settings()["delay_hours"] == 24 and csat.settings()["enabled"] is True
    with pytest.raises(ValidationError) as error:
        csat.save_settings(enabled=True, delay_hours="soon", channels=[])
    assert error.value.field == "delay_hours"
    with pytest.raises(ValidationError) as error:
        csat.save_settings(enabled=True, delay_hours=2, channels=["fax"])
    assert error.value.field == "channels"
    csat.save_settings(enabled=True, delay_hours=2, channels=["email"])
    stored = json.loads((tmp_path / "instance" / "csat.json").read_text())
    assert stored == {"enabled": True, "delay_hours": 2, "channels": ["email"]}


def test_the_default_delay_comes_from_the_config(make_app):
    app = make_app(CSAT_DELAY_HOURS=2)
    with app.app_context():
        assert csat.settings()["delay_hours"] == 2
        db.engine.dispose()


# --- the CLI -------------------------------------------------------------------------------------

def test_cli_sends_the_due_surveys_and_shows_one(app, runner, clock):
    agent = make_agent(email="ann@example.com")
    ticket = make_ticket()
    solve(ticket, agent)
    assert runner.invoke(args=["csat", "send-due"]).output.strip() == "Sent 0 surveys."
    clock.advance(hours=25)
    result = runner.invoke(args=["csat", "send-due"])
    assert result.exit_code == 0 and result.output.strip() == "Sent 1 survey."
    csat.record_answer(csat.survey_for(ticket), rating="okay", comment="Fine.")
    db.session.commit()
    shown = runner.invoke(args=["csat", "show", str(ticket.number), "--json"])
    assert shown.exit_code == 0
    data = json.loads(shown.output)
    assert data["ticket"] == ticket.number and data["state"] == "answered" and data["rating"] == "okay"
    assert data["comment"] == "Fine." and data["agent"] == "ann@example.com" and data["sent_at"]
    assert "rating: okay" in runner.invoke(args=["csat", "show", str(ticket.number)]).output


def test_cli_errors_are_one_line_with_a_non_zero_exit(app, runner):
    for args, words in ((["csat", "show", "9999"], "could not find"), (["csat", "show", "abc"], "could not find"),
                        (["csat", "show", str(make_ticket().number)], "has no satisfaction survey")):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and words in result.output and len(result.output.strip().splitlines()) == 1
    csat.save_settings(enabled=False, delay_hours=24, channels=[])
    result = runner.invoke(args=["csat", "send-due"])
    assert result.exit_code == 1 and "turned off" in result.output


def test_the_worker_runs_the_sweep_every_minute(app, clock):
    from portal.jobs import runner as job_runner
    from portal.jobs import services as jobs

    assert jobs.registered("csat.send_due")
    solve(make_ticket(email="worker@example.com"), make_agent())
    clock.advance(hours=25)
    job_runner.every_minute.call_local()
    assert len(survey_mails("worker@example.com")) == 1
