"""The chat widget's API as the widget calls it: sessions and their token, messages into tickets (once),
events after N (JSON and Server-Sent Events), typing both ways, limits, CORS, the offline fallback by
email, a logged-in visitor's history and help-article suggestions counted as deflections."""
import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.channels.chat import availability, settings
from portal.channels.models import ChatEvent, ChatSession
from portal.extensions import db
from portal.models_base import utcnow
from portal.tickets import services as tickets
from portal.tickets.contact import deflection_counts
from portal.tickets.models import Channel, Ticket, TicketMessage
from tests.conftest import wait_for
from tests.factories import make_agent, make_article, make_user

SHOP = "https://shop.example"


def make_chat(origins=(SHOP,), enabled=True, **overrides):
    account = settings.save_chat(name=overrides.pop("name", "Shop chat"), origins_text="\n".join(origins),
                                 greeting_en=overrides.pop("greeting_en", "Hello from the shop!"),
                                 greeting_fr=overrides.pop("greeting_fr", "Bonjour de la boutique !"),
                                 group_id=None, enabled=enabled)
    db.session.commit()
    return account


def online_agent(**overrides):
    agent = make_agent(**overrides)
    availability.set_availability(agent, "online")
    db.session.commit()
    return agent


class Visitor:
    """One widget: its session id and token, calling the API the way chat-widget.js does."""

    def __init__(self, client, account, origin=SHOP):
        self.client, self.account, self.origin = client, account, origin
        self.id = self.token = self.key = None

    @property
    def base(self):
        return f"/chat/api/{self.account.id}"

    def headers(self, token=None, **extra):
        headers = {"X-Chat-Token": token if token is not None else (self.token or "")}
        if self.origin:
            headers["Origin"] = self.origin
        return {**headers, **extra}

    def open(self, **data):
        response = self.client.post(f"{self.base}/sessions", json={"page_url": f"{SHOP}/cart", "lang": "en", **data},
                                    headers=self.headers())
        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        self.id, self.token, self.key = body["id"], body["token"], body["key"]
        return body

    def send(self, text, message_id=None, token=None, session_id=None, **data):
        return self.client.post(f"{self.base}/sessions/{session_id or self.id}/messages",
                                json={"id": message_id or uuid.uuid4().hex, "text": text, **data},
                                headers=self.headers(token))

    def events(self, after=0, token=None):
        return self.client.get(f"{self.base}/sessions/{self.id}/events?after={after}", headers=self.headers(token))

    def session(self):
        return db.session.get(ChatSession, self.id)


@pytest.fixture
def shop_chat(app):
    return make_chat()


def test_a_visitor_opens_a_chat_and_the_first_message_opens_a_chat_ticket(client, shop_chat):
    online_agent()
    visitor = Visitor(client, shop_chat)
    opened = visitor.open()
    assert opened["online"] is True and opened["ticket"] is False
    stored = visitor.session()
    assert stored.token_hash == hashlib.sha256(visitor.token.encode()).hexdigest()  # only the hash is kept
    assert visitor.token not in json.dumps([stored.token_hash, stored.page_url])

    first = visitor.send("Hello, where is my parcel?")
    assert first.status_code == 201 and first.get_json()["outcome"] == "new_ticket"
    ticket = db.session.scalar(select(Ticket))
    assert ticket.channel == Channel.CHAT and ticket.channel_address == f"chat:{visitor.id}"
    assert ticket.channel_account_id == shop_chat.id and visitor.session().ticket_id == ticket.id
    second = visitor.send("It was order 1042.")
    assert second.get_json() == {"outcome": "reply", "ticket": ticket.number}
    assert [m.body for m in db.session.scalars(select(TicketMessage).order_by(TicketMessage.id))] == [
        "Hello, where is my parcel?", "It was order 1042."]
    state = client.get(f"{visitor.base}/sessions/{visitor.id}", headers=visitor.headers()).get_json()
    assert [m["text"] for m in state["messages"]] == ["Hello, where is my parcel?", "It was order 1042."]
    assert state["ticket"] is True and "version" not in state["messages"][0]


def test_every_session_call_needs_the_sessions_own_token(client, shop_chat):
    online_agent()
    mine, other = Visitor(client, shop_chat), Visitor(client, shop_chat)
    mine.open()
    other.open()
    other.send("My private question")
    missing = client.get(f"{mine.base}/sessions/{mine.id}/events", headers={"Origin": SHOP})
    wrong = mine.events(token="not-the-token")
    foreign = client.get(f"{mine.base}/sessions/{other.id}/events", headers=mine.headers())
    unknown = client.get(f"{mine.base}/sessions/999999/events", headers=mine.headers())
    for response in (missing, wrong, foreign, unknown):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert missing.get_json() == foreign.get_json() == unknown.get_json()  # a guessed id reveals nothing
    assert mine.send("Hi", session_id=other.id).status_code == 404
    assert client.get(f"{mine.base}/sessions/{other.id}/events?key={mine.key}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(TicketMessage)) == 1


def test_a_retried_message_is_stored_once(client, shop_chat):
    online_agent()
    visitor = Visitor(client, shop_chat)
    visitor.open()
    message_id = uuid.uuid4().hex
    assert visitor.send("Are you there?", message_id=message_id).status_code == 201
    again = visitor.send("Are you there?", message_id=message_id)
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    assert db.session.scalar(select(func.count()).select_from(TicketMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(ChatEvent).where(ChatEvent.kind == "message")) == 1


def _agent_reply(ticket_number, agent, body):
    ticket = tickets.get_ticket(ticket_number, viewer=agent, staff=True)
    message = tickets.add_reply(ticket, body=body, author=agent)
    db.session.commit()
    return message


def test_agent_replies_are_events_after_n(client, shop_chat):
    agent = online_agent(name="Ada Agent")
    visitor = Visitor(client, shop_chat)
    visitor.open()
    number = visitor.send("Hello").get_json()["ticket"]
    seen = visitor.events().get_json()
    assert [e["from"] for e in seen["events"]] == ["visitor"]
    _agent_reply(number, agent, "Hi! Let me look.")
    later = visitor.events(after=seen["last"]).get_json()
    assert [(e["kind"], e["from"], e["text"], e["author"]) for e in later["events"]] == [
        ("message", "agent", "Hi! Let me look.", "Ada Agent")]
    assert visitor.events(after=later["last"]).get_json()["events"] == []
    reply = db.session.scalar(select(TicketMessage).where(TicketMessage.body == "Hi! Let me look."))
    assert reply.delivery_status == "sent" and reply.external_id == f"chat-event-{later['last']}"


def test_the_event_stream_speaks_server_sent_events_and_resumes_after_last_event_id(app, client, shop_chat):
    app.config.update(CHAT_STREAM_SECONDS=0.3, CHAT_POLL_SECONDS=0.05)
    agent = online_agent()
    visitor = Visitor(client, shop_chat)
    visitor.open()
    number = visitor.send("Hello").get_json()["ticket"]
    _agent_reply(number, agent, "First answer")
    _agent_reply(number, agent, "Second answer")
    response = client.get(f"{visitor.base}/sessions/{visitor.id}/events?key={visitor.key}",
                          headers={"Accept": "text/event-stream", "Origin": SHOP})
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    text = response.get_data(as_text=True)
    assert text.startswith("retry: ")
    blocks = [b for b in text.split("\n\n") if b.startswith("id: ")]
    payloads = [json.loads(b.split("data: ", 1)[1]) for b in blocks]
    assert [p.get("text") for p in payloads] == ["Hello", "First answer", "Second answer"]
    first_reply_id = payloads[1]["id"]
    assert blocks[1].startswith(f"id: {first_reply_id}\ndata: ")
    resumed = client.get(f"{visitor.base}/sessions/{visitor.id}/events",
                         headers={"Accept": "text/event-stream", "Last-Event-ID": str(first_reply_id),
                                  "X-Chat-Token": visitor.token}).get_data(as_text=True)
    assert "Second answer" in resumed and "First answer" not in resumed


def test_typing_goes_both_ways_and_is_debounced(client, login, shop_chat):
    agent = online_agent()
    visitor = Visitor(client, shop_chat)
    visitor.open()
    visitor.send("Hello")
    assert client.post(f"{visitor.base}/sessions/{visitor.id}/typing", json={},
                       headers=visitor.headers()).status_code == 200
    assert visitor.session().visitor_typing_until > utcnow()
    client.post(f"{visitor.base}/sessions/{visitor.id}/typing", json={}, headers=visitor.headers())
    typing = db.session.scalars(select(ChatEvent).where(ChatEvent.kind == "typing")).all()
    assert len(typing) == 1 and typing[0].data == {"from": "visitor", "seconds": 6}  # debounced
    assert not [e for e in visitor.events().get_json()["events"] if e["kind"] == "typing"]  # not echoed back

    login(agent.email)
    agent_side = client.get(f"/staff/chats/{visitor.id}/events?after=0").get_json()
    assert [(e["kind"], e["from"]) for e in agent_side["events"]] == [("message", "visitor"), ("typing", "visitor")]
    assert client.post(f"/staff/chats/{visitor.id}/typing", json={}).status_code == 200
    assert visitor.session().agent_typing_until > utcnow()
    seen = visitor.events(after=agent_side["last"]).get_json()["events"]
    assert [(e["kind"], e["from"], e["seconds"]) for e in seen] == [("typing", "agent", 6)]


def test_too_many_posts_are_answered_429_with_a_json_reason(app, client, shop_chat):
    app.config["CHAT_RATE_PER_MINUTE"] = 3
    online_agent()
    visitor = Visitor(client, shop_chat)
    visitor.open()
    statuses = [visitor.send(f"Message {n}").status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = visitor.send("One more")
    assert refused.get_json()["error"]["code"] == "rate_limited" and refused.headers["Retry-After"] == "60"
    assert refused.headers["Access-Control-Allow-Origin"] == SHOP  # the widget can read why
    assert db.session.scalar(select(func.count()).select_from(TicketMessage)) == 3


def test_per_ip_limit_covers_new_sessions(app, client, shop_chat):
    app.config["CHAT_RATE_PER_MINUTE"] = 1
    codes = [client.post(f"/chat/api/{shop_chat.id}/sessions", json={}).status_code for _ in range(5)]
    assert codes == [201, 201, 201, 201, 429]


def test_bad_bodies_are_400_with_a_reason_and_store_nothing(client, shop_chat):
    online_agent()
    visitor = Visitor(client, shop_chat)
    visitor.open()
    too_long = visitor.send("x" * 5001)
    assert too_long.status_code == 400
    assert too_long.get_json()["error"] == {"code": "invalid", "field": "text",
                                            "message": "The message is too long (at most 5000 characters)."}
    assert visitor.send("   ").get_json()["error"]["field"] == "text"
    assert visitor.send("Hi", message_id="../../x").get_json()["error"]["field"] == "id"
    not_json = client.post(f"{visitor.base}/sessions/{visitor.id}/messages", data="text=hi",
                           content_type="application/x-www-form-urlencoded", headers=visitor.headers())
    assert not_json.status_code == 400 and not_json.get_json()["error"]["code"]
    as_list = client.post(f"{visitor.base}/sessions/{visitor.id}/messages", json=["hi"], headers=visitor.headers())
    assert as_list.status_code == 400
    huge = client.post(f"{visitor.base}/sessions/{visitor.id}/messages", data="x" * 40_000,
                       content_type="application/json", headers=visitor.headers())
    assert huge.status_code == 413 and huge.get_json()["error"]["code"] == "too_large"
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_cors_answers_the_configured_sites_and_the_help_center_only(client, shop_chat):
    base = f"/chat/api/{shop_chat.id}"
    allowed = client.get(f"{base}/config?lang=en", headers={"Origin": SHOP})
    assert allowed.status_code == 200 and allowed.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in allowed.headers["Vary"] and allowed.get_json()["greeting"] == "Hello from the shop!"
    preflight = client.options(f"{base}/sessions/1/messages", headers={
        "Origin": SHOP, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-chat-token"})
    assert preflight.status_code == 200 and "X-Chat-Token" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Allow-Origin"] == SHOP

    refused = client.post(f"{base}/sessions", json={}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert client.options(f"{base}/sessions", headers={"Origin": "https://evil.example"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ChatSession)) == 0

    own = client.get(f"{base}/config", headers={"Origin": "http://localhost"})  # the help center itself
    assert own.status_code == 200 and own.headers["Access-Control-Allow-Origin"] == "http://localhost"
    off = make_chat(name="Old chat", enabled=False)
    assert client.get(f"/chat/api/{off.id}/config", headers={"Origin": SHOP}).status_code == 404


def test_the_widget_script_is_served_small(client):
    response = client.get("/chat/widget.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    script = response.get_data(as_text=True)
    assert len(response.data) < 16_000 and "innerHTML" not in script and "EventSource" in script


def test_offline_the_visitor_leaves_name_and_email_and_the_reply_is_mailed(make_app, smtpd):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtpd.port, MAIL_SUPPRESS_SEND=False)
    with app.app_context():
        account = make_chat()
        agent = make_agent(name="Ada Agent")  # works tickets but is away: no one is online
        client = app.test_client()
        visitor = Visitor(client, account)
        assert visitor.open()["online"] is False
        assert client.get(f"/chat/api/{account.id}/config").get_json()["online"] is False
        missing = visitor.send("Do you ship to Belgium?")
        assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "name"
        no_email = visitor.send("Do you ship to Belgium?", name="Claire")
        assert no_email.get_json()["error"]["field"] == "email"
        bad = visitor.send("Do you ship to Belgium?", name="Claire", email="claire@")
        assert bad.get_json()["error"] == {"code": "invalid", "field": "email",
                                           "message": "Enter a valid email address."}
        assert visitor.send("Do you ship to Belgium?", name="Claire", email="Claire@Example.com").status_code == 201
        ticket = db.session.scalar(select(Ticket))
        assert ticket.requester_email == "claire@example.com" and ticket.requester_name == "Claire"
        assert smtpd.inbox.envelopes == []  # no receipt mail for a chat

        assert visitor.session().visitor_seen_at > utcnow() - timedelta(seconds=5)  # still on the page, but
        _agent_reply(ticket.number, agent, "Yes, we ship to Belgium in 3 days.")
        envelope = wait_for(smtpd.inbox.envelopes)
        assert envelope.rcpt_tos == ["claire@example.com"]
        assert "Yes, we ship to Belgium in 3 days." in envelope.content.decode("utf-8", "replace")
        reply = db.session.scalar(select(TicketMessage).where(TicketMessage.body.like("Yes, we ship%")))
        assert reply.delivery_status == "sent" and reply.meta["chat_mailed"] is True
        assert db.session.scalar(select(ChatEvent).where(ChatEvent.kind == "message")
                                 .order_by(ChatEvent.id.desc())).data["from"] == "agent"  # and in the chat
        db.session.remove()
        db.engine.dispose()


def test_a_reply_is_mailed_too_only_once_the_visitor_has_left(app, client, shop_chat):
    from portal.mail import OutgoingMail

    agent = online_agent()
    visitor = Visitor(client, shop_chat)
    visitor.open()
    number = visitor.send("Hello", name="Claire", email="claire@example.com").get_json()["ticket"]
    _agent_reply(number, agent, "Hello Claire")
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0  # in the chat only
    visitor.session().visitor_seen_at = utcnow() - timedelta(seconds=121)
    db.session.commit()
    _agent_reply(number, agent, "Are you still there?")
    assert [m.to for m in db.session.scalars(select(OutgoingMail))] == ["claire@example.com"]
    assert [e["text"] for e in visitor.events().get_json()["events"] if e["from"] == "agent"] == [
        "Hello Claire", "Are you still there?"]


def test_a_logged_in_visitor_is_linked_and_sees_earlier_chats(app, client, login, shop_chat):
    online_agent()
    customer = make_user(role=Role.CUSTOMER, name="Claire Client", email="claire@example.com")
    customer.email_verified_at = utcnow()
    db.session.commit()
    login(customer.email)
    first = Visitor(client, shop_chat, origin=None)  # the help center itself: same origin, the session cookie
    opened = first.open()
    assert opened["logged_in"] is True and opened["email"] == "claire@example.com"
    first.send("My first chat")
    ticket = db.session.scalar(select(Ticket))
    assert ticket.requester_id == customer.id and first.session().user_id == customer.id
    client.post(f"{first.base}/sessions/{first.id}/end", json={}, headers=first.headers())
    tickets.change_status(ticket, "solved", actor=make_agent())
    db.session.commit()

    second = Visitor(client, shop_chat, origin=None)
    second.open()
    history = client.get(f"{second.base}/sessions/{second.id}/history", headers=second.headers()).get_json()
    assert [(c["ticket"], [m["text"] for m in c["messages"]]) for c in history["conversations"]] == [
        (ticket.number, ["My first chat"])]
    client.post("/logout")
    assert client.get(f"{second.base}/sessions/{second.id}/history",
                      headers=second.headers()).get_json() == {"conversations": []}


def test_suggestions_while_typing_count_a_deflection_when_the_visitor_leaves(app, client, shop_chat):
    make_article(title="Delivery times to Belgium", body="We ship to Belgium in three days.")
    visitor = Visitor(client, shop_chat)
    visitor.open()
    found = client.get(f"{visitor.base}/suggest?lang=en&q=delivery bel", headers={"Origin": SHOP}).get_json()
    assert found and found[0]["title"] == "Delivery times to Belgium"
    assert found[0]["url"].startswith("http://localhost/help/en/articles/") and found[0]["slug"]
    assert client.post(f"{visitor.base}/sessions/{visitor.id}/opened", json={"slug": found[0]["slug"], "q": "delivery"},
                       headers=visitor.headers()).status_code == 200
    assert deflection_counts() == {"opened": 1, "deflected": 1}
    online_agent()
    visitor.send("It did not answer my question")
    assert deflection_counts() == {"opened": 1, "deflected": 0}


def test_visitor_text_reaches_the_desk_through_the_sanitiser(client, login, shop_chat):
    agent = online_agent()
    visitor = Visitor(client, shop_chat)
    visitor.open()
    visitor.send("<script>alert(1)</script> **bold** <img src=x onerror=alert(2)>")
    login(agent.email)
    events = client.get(f"/staff/chats/{visitor.id}/events?after=0").get_json()["events"]
    html = events[0]["html"]
    assert "<strong>bold</strong>" in html and "<script" not in html and "onerror" not in html
    assert "text" not in events[0]
