"""Triggers through the ticket services: events, once per event, no loops, every action, never answering
machines or flagged mail, the timeline and the rule log, signed webhooks against a real HTTP server."""
import hashlib
import hmac
import json

import pytest
from sqlalchemy import select
from werkzeug import Response

from portal.accounts.models import Role, User
from portal.automation import engine, rule_services
from portal.automation.models import Rule
from portal.extensions import db
from portal.jobs.models import Job, JobStatus
from portal.mail import OutgoingMail
from portal.permissions import SYSTEM_EMAIL
from portal.tickets import macros, services
from portal.tickets.models import AuthorKind, MessageKind, Status, Ticket, TicketEvent, TicketMessage
from tests.automation.rule_helpers import make_rule, runs
from tests.factories import make_agent, make_group, make_order, make_ticket, make_user


def tag_rule(event, tag, **values):
    return make_rule(name=f"On {event}", events=[event], actions=[{"type": "add_tags", "value": tag}], **values)


def mails_to(address) -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == address).order_by(OutgoingMail.id)))


def public_messages(ticket) -> list[TicketMessage]:
    return list(db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                                               TicketMessage.kind == MessageKind.PUBLIC)
                                   .order_by(TicketMessage.id)))


def test_each_event_runs_its_triggers(app):
    for event in ("opened", "customer_reply", "agent_reply", "status", "order"):
        tag_rule(event, f"on-{event}")
    agent = make_agent()
    ticket = make_ticket(email="buyer@example.com")
    assert ticket.tags == ["on-opened"]
    services.add_reply(ticket, body="Any news?", author=None, guest_email=ticket.requester_email)
    db.session.commit()
    assert "on-customer_reply" in ticket.tags and "on-agent_reply" not in ticket.tags
    services.add_reply(ticket, body="Shipped today.", author=agent)
    db.session.commit()
    assert "on-agent_reply" in ticket.tags and "on-status" not in ticket.tags  # a reply's own status step is no event
    services.change_status(ticket, "pending", actor=agent)
    db.session.commit()
    assert "on-status" in ticket.tags
    services.set_order(ticket, make_order(email="buyer@example.com"), actor=agent)
    db.session.commit()
    assert sorted(ticket.tags) == ["on-agent_reply", "on-customer_reply", "on-opened", "on-order", "on-status"]


def test_a_rule_fires_once_per_ticket_and_event(app):
    rule = make_rule(events=["opened", "status"], actions=[{"type": "add_note", "value": "Seen by the rule."}])
    agent = make_agent()
    ticket = make_ticket()
    first = db.session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id))
    engine.run_triggers([(ticket.id, "opened", "opened", first)])  # the same event again
    db.session.commit()
    services.change_status(ticket, "pending", actor=agent)
    services.change_status(ticket, "open", actor=agent)
    services.change_status(ticket, "pending", actor=agent)  # pending again, a new change: it fires again
    db.session.commit()
    keys = [r.event_key for r in runs(rule)]
    assert keys[0] == "opened" and len(set(keys)) == 4
    assert [k.split(":")[:2] for k in keys[1:]] == [["status", "pending"], ["status", "open"], ["status", "pending"]]
    notes = [m for m in db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
             if m.is_note]
    assert len(notes) == 4


def test_what_rules_change_does_not_start_rules(app):
    solver = make_rule(name="Solve on reply", events=["agent_reply"], actions=[{"type": "set_status", "value": "solved"}])
    watcher = tag_rule("status", "status-seen")
    looper = make_rule(name="Reopen", events=["status"], actions=[{"type": "set_status", "value": "open"}])
    agent = make_agent()
    ticket = make_ticket()
    services.add_reply(ticket, body="Done.", author=agent)
    db.session.commit()
    assert ticket.status == Status.SOLVED and len(runs(solver)) == 1
    assert not runs(watcher) and not runs(looper)
    services.change_status(ticket, "pending", actor=agent)  # a person's change: both status rules run, once
    db.session.commit()
    assert len(runs(watcher)) == 1 and len(runs(looper)) == 1 and ticket.status == Status.OPEN


def test_rules_run_in_position_order_and_disabled_ones_do_not(app):
    raise_it = make_rule(name="Urgent words", conditions=[{"field": "text", "op": "contains_any", "value": "urgent"}],
                         actions=[{"type": "set_priority", "value": "urgent"}])
    follow = make_rule(name="Urgent to Billing", conditions=[{"field": "priority", "op": "is", "value": "urgent"}],
                       actions=[{"type": "add_tags", "value": "escalated"}])
    off = make_rule(name="Off", actions=[{"type": "add_tags", "value": "never"}])
    rule_services.set_enabled(off, False)
    db.session.commit()
    first = make_ticket(body="This is urgent!")
    assert first.priority.value == "urgent" and first.tags == ["escalated"]
    rule_services.move_rule(follow, "up")
    db.session.commit()
    assert [r.id for r in engine.trigger_rules()] == [follow.id, raise_it.id]
    second = make_ticket(body="Urgent again")
    assert second.priority.value == "urgent" and second.tags == []  # the tag rule ran first, before the change


def test_field_actions_go_through_the_services_as_the_automation_user(app):
    agent = make_agent(email="ana@example.com")
    make_group("Shipping", members=[agent])
    rule = make_rule(name="Route parcels", actions=[
        {"type": "set_group", "value": "Shipping"}, {"type": "assign", "value": "ana@example.com"},
        {"type": "set_priority", "value": "high"}, {"type": "add_tags", "value": "parcel, wismo"},
        {"type": "remove_tags", "value": "wismo"}, {"type": "set_status", "value": "pending"},
        {"type": "add_note", "value": "Routed for {{ customer.name }}."}])
    ticket = make_ticket(name="Rose Tyler")
    assert ticket.group.name == "Shipping" and ticket.assignee == agent and ticket.priority.value == "high"
    assert ticket.tags == ["parcel"] and ticket.status == Status.PENDING
    note = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                                         TicketMessage.kind == MessageKind.NOTE))
    assert note.body == "Routed for Rose Tyler." and note.author.email == SYSTEM_EMAIL
    system = db.session.scalar(select(User).where(User.email == SYSTEM_EMAIL))
    assert system.active is False and system.password_hash is None and system.role == Role.AGENT
    events = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    caused = [e for e in events if e.rule_id == rule.id]
    assert {e.kind for e in caused} >= {"group", "assignee", "priority", "tags", "status", "note"}
    assert all(e.actor_id == system.id for e in caused)
    assert [e.kind for e in events if e.rule_id is None] == ["created"]
    assert mails_to("ana@example.com")  # the assignee is told, as for any assignment


def test_automatic_assignment(app):
    pytest.importorskip("portal.automation.assignment", reason="assignment.auto_assign is built separately")
    from portal.models_base import utcnow
    from portal.tickets.models import AgentSetting

    agent = make_agent(email="ana@example.com")
    group = make_group("Shipping", members=[agent])
    group.assign_mode = "round_robin"
    db.session.commit()
    make_rule(events=["customer_reply"], actions=[{"type": "assign", "value": "auto"}])
    ticket = make_ticket(group=group)
    assert ticket.assignee_id is None  # nobody online when it came in
    setting = db.session.get(AgentSetting, agent.id)
    setting.availability, setting.availability_at = "online", utcnow()
    services.add_reply(ticket, body="Hello?", author=None, guest_email=ticket.requester_email)
    db.session.commit()
    assert ticket.assignee == agent


def test_a_failed_action_is_logged_and_the_others_still_happen(app):
    agent = make_agent(email="ana@example.com")
    rule = make_rule(actions=[{"type": "assign", "value": "ana@example.com"}, {"type": "add_tags", "value": "kept"}])
    agent.role = Role.CUSTOMER  # no longer an agent when the rule runs
    db.session.commit()
    ticket = make_ticket()
    assert ticket.assignee_id is None and ticket.tags == ["kept"]
    [run] = runs(rule)
    assigned, tagged = json.loads(run.summary)
    assert assigned["error"] == "Tickets can only be assigned to agents and managers." and "error" not in tagged


def test_a_macro_sets_its_fields_and_answers_with_its_text_filled(app):
    manager = make_user(role=Role.MANAGER)
    macro = macros.save_macro(actor=manager, title="Tracking", shared=True, set_status="pending", add_tags=["wismo"],
                              body="Bonjour {{ customer.first_name }}, votre demande {{ ticket.number }} est suivie.")
    db.session.commit()
    make_rule(conditions=[{"field": "text", "op": "contains_any", "value": "où est ma commande"}],
              actions=[{"type": "send_macro", "value": "tracking"}])
    ticket = make_ticket(email="rose@example.com", name="Rose Tyler", subject="Où est ma commande ?")
    reply = public_messages(ticket)[-1]
    assert reply.author_kind == AuthorKind.AGENT and reply.author.email == SYSTEM_EMAIL
    assert reply.body == f"Bonjour Rose, votre demande #{ticket.number} est suivie."
    assert ticket.status == Status.PENDING and "wismo" in ticket.tags and macro.id
    assert any(f"#{ticket.number} est suivie" in mail.text for mail in mails_to("rose@example.com"))


def test_a_reply_template_with_an_empty_variable_is_not_sent(app):
    rule = make_rule(actions=[{"type": "send_reply", "value": "Track it here: {{ order.tracking_url }}"},
                              {"type": "send_reply", "value": "Hello {{ customer.name }}, we are on it."}])
    ticket = make_ticket(name="Rose Tyler")
    assert [m.body for m in public_messages(ticket)][1:] == ["Hello Rose Tyler, we are on it."]
    skipped, sent = json.loads(runs(rule)[0].summary)
    assert skipped["skipped"] == "missing:order.tracking_url" and "skipped" not in sent


def test_notifications_reach_the_assignee_group_agent_managers_and_an_address(app):
    ana, bob = make_agent(email="ana@example.com"), make_agent(email="bob@example.com")
    boss = make_user(role=Role.MANAGER, email="boss@example.com")
    make_group("Shipping", members=[bob])
    make_rule(name="Tell everyone", actions=[
        {"type": "assign", "value": "ana@example.com"}, {"type": "notify_assignee"},
        {"type": "notify_group", "value": "Shipping"}, {"type": "notify_agent", "value": "bob@example.com"},
        {"type": "notify_managers"}, {"type": "notify_email", "value": "ops@partner.example"}])
    ticket = make_ticket(subject="Parcel stuck")
    for address in ("ana@example.com", "boss@example.com", "ops@partner.example"):
        assert any("Rule “Tell everyone”" in m.text and f"#{ticket.number}" in m.text for m in mails_to(address)), address
    assert len([m for m in mails_to("bob@example.com") if "Rule “Tell everyone”" in m.text]) == 2
    assert ticket.assignee == ana and boss.id


def test_rules_never_answer_flagged_mail(app, runner):
    from portal.channels.email.models import InboundEmail, Mailbox

    db.session.add(Mailbox(name="Support", address="support@shop.example"))
    db.session.commit()
    rule = make_rule(actions=[{"type": "send_reply", "value": "We got it."}, {"type": "add_tags", "value": "mail-in"},
                              {"type": "set_status", "value": "solved"}])  # solving mails the requester too
    raw = ("From: Rose <rose@example.com>\nReply-To: other@elsewhere.example\nTo: support@shop.example\n"
           "Subject: Refund\nMessage-ID: <f1@mail.example.com>\nMIME-Version: 1.0\n"
           "Content-Type: text/plain; charset=utf-8\n\nPlease refund me.\n").encode()
    result = runner.invoke(args=["mail", "receive", "--json"], input=raw)
    assert result.exit_code == 0, result.output
    record = db.session.scalar(select(InboundEmail).where(InboundEmail.message_id == "<f1@mail.example.com>"))
    assert record.flags == ["reply_to_differs"]
    ticket = db.session.get(Ticket, record.ticket_id)
    assert len(public_messages(ticket)) == 1 and ticket.tags == ["mail-in"] and ticket.status == Status.NEW
    answer, tag, solve = json.loads(runs(rule)[0].summary)
    assert answer["skipped"] == "flagged" == solve["skipped"] and "skipped" not in tag
    [receipt] = mails_to("rose@example.com")  # the mail channel's own receipt, nothing from the rule
    assert "We received your request" in receipt.text and "We got it." not in receipt.text


def test_rules_never_answer_an_automatic_message(app, runner):
    make_rule(actions=[{"type": "send_reply", "value": "We got it."}])
    bot = make_ticket(meta={"auto_reply": True})
    assert len(public_messages(bot)) == 1
    person = make_ticket()
    assert [m.body for m in public_messages(person)][1:] == ["We got it."]
    raw = ("From: Rose <rose@example.com>\nTo: support@shop.example\nSubject: Automatic reply: away\n"
           "Auto-Submitted: auto-replied\nMessage-ID: <a1@mail.example.com>\n\nI am away.\n").encode()
    result = runner.invoke(args=["mail", "receive", "--json"], input=raw)
    assert '"ignored"' in result.output and len(db.session.scalars(select(Rule)).all()) == 1


def test_the_ticket_page_shows_the_rule_as_actor_and_its_log(app, client, login):
    agent = make_agent(email="ana@example.com")
    make_rule(name="Tag parcels", actions=[{"type": "add_tags", "value": "parcel"},
                                           {"type": "send_reply", "value": "Hi {{ order.number }}"}])
    ticket = make_ticket()
    login(agent.email)
    page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert "Rule «Tag parcels»: Tags" in page
    assert "Rules applied" in page and "Add tags: parcel" in page
    assert "not sent: no value for order.number" in page


def test_a_webhook_is_signed_and_retried_until_it_is_delivered(app, httpserver):
    from portal.jobs.runner import run_job

    received = []

    def answer(status):
        def handler(request):
            received.append((request.get_data(), request.headers.get("X-Comptoir-Signature")))
            return Response("no" if status >= 500 else "ok", status=status)
        return handler

    httpserver.expect_ordered_request("/hooks/comptoir", method="POST").respond_with_handler(answer(500))
    httpserver.expect_ordered_request("/hooks/comptoir", method="POST").respond_with_handler(answer(200))
    rule = make_rule(name="Tell the shop", actions=[{"type": "add_tags", "value": "hooked"},
                                                    {"type": "webhook", "value": httpserver.url_for("/hooks/comptoir")}])
    secret = rule.actions[1]["value"]["secret"]
    assert len(secret) == 64
    ticket = make_ticket(subject="Parcel", email="rose@example.com")
    job = db.session.scalar(select(Job).where(Job.task == "rules.webhook"))
    assert job.status == JobStatus.QUEUED and job.attempts == 1 and "HTTP Error 500" in job.error
    assert secret not in json.dumps(job.args)
    run_job(job.id)  # the retry the worker makes after the backoff
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.DONE
    assert len(received) == 2 and received[0] == received[1]
    body, signature = received[1]
    assert signature == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    payload = json.loads(body)
    assert payload["event"] == "opened"
    assert payload["ticket"] == {"number": ticket.number, "subject": "Parcel", "status": "new", "priority": "normal",
                                 "channel": "web", "requester": {"email": "rose@example.com", "name": ""},
                                 "tags": ["hooked"], "group": None}
    httpserver.check_assertions()


def test_a_rule_sees_what_the_rules_before_it_changed_in_the_same_event(app):
    make_rule(name="Reads tags first", conditions=[{"field": "tags", "op": "has_not", "value": "vip"}],
              actions=[{"type": "add_tags", "value": "seen"}])
    make_rule(name="Needs the tag", conditions=[{"field": "tags", "op": "has", "value": "seen"}],
              actions=[{"type": "add_tags", "value": "chained"}])
    assert sorted(make_ticket().tags) == ["chained", "seen"]
