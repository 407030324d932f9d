"""Agents and live chat: the Online / Away switch and what "online" means, the live chats view, a chat
ticket's page kept live, and replies from the usual composer reaching the chat."""
import re
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import Role
from portal.channels.chat import availability
from portal.channels.models import ChatEvent
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets.models import AgentSetting, Scope, Ticket, TicketMessage
from tests.channels.test_chat_api import Visitor, make_chat, online_agent
from tests.factories import PASSWORD, make_agent, make_ticket, make_user


def test_the_switch_puts_an_agent_online_and_the_widget_sees_it(client, login):
    account = make_chat()
    agent = make_user(role=Role.AGENT)  # no desk settings yet
    login(agent.email)
    page = client.get("/staff/").get_data(as_text=True)
    assert 'role="switch" aria-checked="false"' in page and "/staff/chats/heartbeat" in page
    assert "js/chat-desk.js" in page and 'href="/staff/chats/"' in page
    assert client.get(f"/chat/api/{account.id}/config").get_json()["online"] is False

    back = client.post("/staff/chats/availability", data={"state": "online", "next": "/staff/tickets/?view=mine"})
    assert back.status_code == 302 and back.headers["Location"] == "/staff/tickets/?view=mine"
    assert 'role="switch" aria-checked="true"' in client.get("/staff/").get_data(as_text=True)
    assert client.get(f"/chat/api/{account.id}/config").get_json()["online"] is True
    setting = db.session.get(AgentSetting, agent.id)
    assert setting.availability == "online" and setting.scope == Scope.ASSIGNED  # nothing widened

    assert client.post("/staff/chats/heartbeat", json={}).get_json() == {"online": True}
    client.post("/staff/chats/availability", data={"state": "away", "next": "https://evil.example/"})
    assert client.get(f"/chat/api/{account.id}/config").get_json()["online"] is False
    assert client.post("/staff/chats/heartbeat", json={}).get_json() == {"online": False}


def test_online_means_switched_on_and_heard_from_in_the_last_two_minutes(app):
    agent = online_agent()
    assert availability.anyone_online() and availability.is_online(agent)
    setting = db.session.get(AgentSetting, agent.id)
    setting.availability_at = utcnow() - timedelta(seconds=130)  # two heartbeats missed: the tab was closed
    db.session.commit()
    assert not availability.anyone_online() and not availability.is_online(agent)
    assert availability.heartbeat(agent) and availability.anyone_online()
    agent.active = False  # a deactivated account never counts
    db.session.commit()
    assert not availability.anyone_online()


def test_customers_and_editors_have_no_switch(client, login):
    editor = make_user(role=Role.EDITOR)
    login(editor.email)
    assert 'role="switch"' not in client.get("/staff/").get_data(as_text=True)
    assert client.post("/staff/chats/availability", data={"state": "online"}).status_code == 404
    assert client.get("/staff/chats/").status_code == 404


def test_the_switch_posts_with_csrf(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        agent = make_agent()
        client = app.test_client()
        token = client.get("/login").get_data(as_text=True).split('name="csrf-token" content="', 1)[1].split('"')[0]
        client.post("/login", data={"email": agent.email, "password": PASSWORD, "csrf_token": token})
        assert client.post("/staff/chats/availability", data={"state": "online"}).status_code == 400
        assert client.post("/staff/chats/heartbeat", json={}).status_code == 400
        page = client.get("/staff/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        switched = client.post("/staff/chats/availability", data={"state": "online", "csrf_token": token})
        assert switched.status_code == 302
        assert availability.is_online(agent)
        db.session.remove()
        db.engine.dispose()


def test_live_chats_list_open_chats_with_their_waiting_time(client, login):
    account = make_chat()
    agent = online_agent(name="Ada Agent")
    waiting, answered = Visitor(client, account), Visitor(client, account)
    waiting.open()
    waiting.send("Hello, anyone?", name="Wendy")
    answered.open()
    number = answered.send("Question", name="Arnold").get_json()["ticket"]
    make_ticket(subject="An email ticket")
    login(agent.email)
    client.post(f"/staff/tickets/{number}/messages", data={"kind": "public", "body": "Answer", "status": "",
                                                          "version": db.session.get(Ticket, number - 1000).version})
    page = client.get("/staff/chats/").get_data(as_text=True)
    assert "Live chats" in page and "An email ticket" not in page
    rows = page.split("<tbody", 1)[1]
    assert rows.index("Wendy") < rows.index("Arnold")  # the waiting visitor first
    assert "Answered" in rows and "Hello, anyone?" in rows
    assert f'href="/staff/tickets/{number}"' in rows and "data-chat-rows=\"/staff/chats/rows\"" in page
    fragment = client.get("/staff/chats/rows").get_data(as_text=True)
    assert "<tr>" in fragment and "<html" not in fragment and "Wendy" in fragment


def test_an_agent_sees_only_the_chats_of_tickets_in_their_scope(client, login):
    account = make_chat()
    online_agent()
    visitor = Visitor(client, account)
    visitor.open()
    visitor.send("Hello")
    outsider = make_agent(scope="assigned")
    login(outsider.email)
    assert "Hello" not in client.get("/staff/chats/").get_data(as_text=True)
    assert client.get(f"/staff/chats/{visitor.id}/events").status_code == 404
    assert client.post(f"/staff/chats/{visitor.id}/typing", json={}).status_code == 404


def test_a_chat_tickets_page_is_live_and_says_where_the_reply_goes(client, login):
    account = make_chat()
    agent = online_agent()
    visitor = Visitor(client, account)
    visitor.open()
    number = visitor.send("Hello", email="claire@example.com").get_json()["ticket"]
    login(agent.email)
    page = client.get(f"/staff/tickets/{number}").get_data(as_text=True)
    assert f'data-events-url="/staff/chats/{visitor.id}/events"' in page and "data-chat-notify" in page
    assert page.index('class="chat-live"') < page.index('id="composer"')
    assert "The visitor is in the chat: they see your reply at once." in page
    visitor.session().visitor_seen_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    later = client.get(f"/staff/tickets/{number}").get_data(as_text=True)
    assert "Your reply goes to the chat and by email to claire@example.com." in later
    other = make_ticket(subject="By email")
    assert 'class="chat-live"' not in client.get(f"/staff/tickets/{other.number}").get_data(as_text=True)


def test_a_reply_from_the_composer_reaches_the_chat_before_the_worker_runs(make_app):
    app = make_app(QUEUE_IMMEDIATE=False)  # jobs wait for a worker that is not running
    with app.app_context():
        account = make_chat()
        agent = online_agent()
        client = app.test_client()
        visitor = Visitor(client, account)
        visitor.open()
        number = visitor.send("Hello").get_json()["ticket"]
        client.post("/login", data={"email": agent.email, "password": PASSWORD})
        version = db.session.get(Ticket, number - 1000).version
        sent = client.post(f"/staff/tickets/{number}/messages", data={"kind": "public", "body": "On my way!",
                                                                     "status": "", "version": version})
        assert sent.status_code == 302
        reply = db.session.scalar(select(TicketMessage).where(TicketMessage.body == "On my way!"))
        assert reply.delivery_status == "queued"
        seen = visitor.events().get_json()["events"]
        assert [(e["from"], e["text"]) for e in seen] == [("visitor", "Hello"), ("agent", "On my way!")]

        from portal.channels import delivery
        delivery.deliver(reply.id)  # what the worker then does: confirms, writes nothing twice
        db.session.refresh(reply)
        assert reply.delivery_status == "sent"
        assert len(db.session.scalars(select(ChatEvent).where(ChatEvent.kind == "message")).all()) == 2
        db.session.remove()
        db.engine.dispose()


def test_a_visitor_message_seen_live_keeps_the_agents_reply_from_being_stale(client, login):
    account = make_chat()
    agent = online_agent()
    visitor = Visitor(client, account)
    visitor.open()
    number = visitor.send("Hello").get_json()["ticket"]
    login(agent.email)
    version = db.session.get(Ticket, number - 1000).version
    visitor.send("Are you there?")
    event = client.get(f"/staff/chats/{visitor.id}/events?after=0").get_json()["events"][-1]
    assert event["version"] == version + 1  # the page's script moves the composer's version to this one
    sent = client.post(f"/staff/tickets/{number}/messages", data={"kind": "public", "body": "Yes!", "status": "",
                                                                 "version": event["version"]})
    assert sent.status_code == 302


def test_internal_notes_never_reach_the_visitor_and_an_ended_chat_is_answered_by_email(client, login):
    from portal.mail import OutgoingMail

    account = make_chat()
    agent = online_agent()
    visitor = Visitor(client, account)
    visitor.open()
    number = visitor.send("Hello", email="claire@example.com").get_json()["ticket"]
    login(agent.email)
    client.post(f"/staff/tickets/{number}/messages", data={"kind": "note", "body": "Secret: VIP customer",
                                                          "status": "", "version": db.session.get(
                                                              Ticket, number - 1000).version})
    assert "Secret" not in visitor.events().get_data(as_text=True)
    assert client.post(f"/chat/api/{account.id}/sessions/{visitor.id}/end", json={},
                       headers=visitor.headers()).status_code == 200
    assert visitor.send("Still there?").status_code == 404  # an ended chat takes no more messages
    client.post(f"/staff/tickets/{number}/messages", data={"kind": "public", "body": "Here is the answer.",
                                                          "status": "", "version": db.session.get(
                                                              Ticket, number - 1000).version})
    assert [m.to for m in db.session.scalars(select(OutgoingMail))] == ["claire@example.com"]
