"""Retention rules, run nightly by the worker and by `portal gdpr retention [--dry-run]`."""
import os

from flask import current_app
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.channels.email.models import InboundEmail
from portal.extensions import db
from portal.jobs import services as jobs
from portal.jobs.models import Job, JobStatus
from portal.orders.models import WebhookDelivery
from portal.tickets import services as ticket_services
from portal.tickets.models import Ticket, TicketMessage
from tests.factories import make_agent, make_store, make_ticket

ERASED_BODY = "This message was erased at the customer's request."


def raw_mail(name: str) -> tuple[InboundEmail, str]:
    path = os.path.join(current_app.config["MAIL_RAW_PATH"], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(b"From: someone@example.com\r\n\r\nHello\r\n")
    record = InboundEmail(message_id=f"<{name}@example.com>", outcome="new_ticket", from_email="someone@example.com",
                          raw_name=name)
    db.session.add(record)
    db.session.commit()
    return record, path


def setup_old_and_new(clock):
    agent = make_agent(email="agent@example.com", name="Sam Agent")
    old = make_ticket(email="carol@example.com", name="Carol Jones", subject="Old question", body="Old words.")
    ticket_services.add_reply(old, author=agent, body="Hello Carol Jones, here you go.", status="solved")
    still_open = make_ticket(email="dan@example.com", subject="Still open", body="Please help.")
    old_payload = WebhookDelivery(store_id=make_store().id, delivery_id="old", topic="orders/create", payload="{}")
    db.session.add(old_payload)
    old_mail, old_path = raw_mail("old.eml")
    db.session.commit()
    clock.advance(days=200)
    recent = make_ticket(email="erin@example.com", subject="Recent", body="New words.")
    ticket_services.add_reply(recent, author=agent, body="Done.", status="solved")
    new_mail, new_path = raw_mail("new.eml")
    db.session.commit()
    return old, still_open, recent, old_payload, (old_mail, old_path), (new_mail, new_path)


def test_the_dry_run_says_what_would_go_and_changes_nothing(app, runner, clock):
    app.config["TICKET_RETENTION_MONTHS"] = 6
    old, _open, _recent, payload, (_m, old_path), _new = setup_old_and_new(clock)
    result = runner.invoke(args=["gdpr", "retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output == (f"Would anonymise 1 closed ticket(s): #{old.number}.\n"
                             "Would forget 1 webhook payload(s) and 1 mail original(s).\n")
    db.session.expire_all()
    assert db.session.get(Ticket, old.id).requester_email == "carol@example.com"
    assert db.session.get(WebhookDelivery, payload.id).payload == "{}"
    assert os.path.isfile(old_path)


def test_the_nightly_job_anonymises_old_closed_tickets_and_purges_old_raw_data(app, clock):
    app.config["TICKET_RETENTION_MONTHS"] = 6
    old, still_open, recent, payload, (old_mail, old_path), (new_mail, new_path) = setup_old_and_new(clock)
    job = jobs.enqueue("gdpr.retention")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.DONE

    ticket = db.session.get(Ticket, old.id)
    assert (ticket.requester_email, ticket.requester_name) == (f"erased-ticket-{old.id}@erased.invalid",
                                                               "Erased customer")
    bodies = [m.body for m in db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == old.id)
                                                 .order_by(TicketMessage.id))]
    assert bodies == [ERASED_BODY, "Hello Erased customer, here you go."]
    assert db.session.get(Ticket, still_open.id).requester_email == "dan@example.com"  # not closed
    assert db.session.get(Ticket, recent.id).requester_email == "erin@example.com"  # solved too recently
    assert db.session.get(WebhookDelivery, payload.id).payload is None
    assert (db.session.get(InboundEmail, old_mail.id).raw_name, os.path.exists(old_path)) == (None, False)
    assert (db.session.get(InboundEmail, new_mail.id).raw_name, os.path.isfile(new_path)) == ("new.eml", True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr.retention_applied"))
    assert event.details == {"tickets": 1, "payloads": 1, "mail_originals": 1}


def test_tickets_are_kept_when_the_rule_is_off_and_a_second_run_finds_nothing(app, runner, clock):
    assert app.config["TICKET_RETENTION_MONTHS"] == 0  # the default: off
    old, *_rest = setup_old_and_new(clock)
    first = runner.invoke(args=["gdpr", "retention"])
    assert first.output == ("Anonymised 0 closed ticket(s).\n"
                            "Forgot 1 webhook payload(s) and 1 mail original(s).\n")
    db.session.expire_all()
    assert db.session.get(Ticket, old.id).requester_email == "carol@example.com"
    second = runner.invoke(args=["gdpr", "retention"])
    assert second.output == ("Anonymised 0 closed ticket(s).\n"
                             "Forgot 0 webhook payload(s) and 0 mail original(s).\n")


def test_the_nightly_schedule_queues_the_retention_job(monkeypatch):
    from portal.jobs import runner

    queued = []
    monkeypatch.setattr(runner, "_periodic", lambda name, **args: queued.append(name))
    runner.nightly.func()
    assert "gdpr.retention" in queued
    assert jobs.registered("gdpr.retention")
