"""The phone channel: agents log calls and open tickets from them; call events in Aircall's webhook shape
(POST /hooks/phone/<id>, token in the body) file finished calls on the caller's ticket, once."""
import json
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.channels import accounts, contacts
from portal.channels.models import ChannelAccount, ChannelEvent, Contact
from portal.channels.phone import calls
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets.models import Channel, MessageKind, Ticket, TicketMessage
from tests.factories import make_agent, make_ticket, make_user

TOKEN = "aircall-token-0123456789"
NUMBER = "+33612345678"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored_nothing() -> bool:
    return count(ChannelEvent) == 0 and count(Ticket) == 0 and count(TicketMessage) == 0


@pytest.fixture
def line(app):
    account = accounts.save_account(kind="phone", name="Support line", secrets={"webhook_token": TOKEN})
    db.session.commit()
    return account


def call_event(event="call.ended", call_id=812, token=TOKEN, **changes):
    """A call event as Aircall posts it (its documented call object, trimmed to what matters here)."""
    call = {"id": call_id, "direct_link": f"https://api.aircall.io/v1/calls/{call_id}", "direction": "inbound",
            "status": "done", "started_at": 1762000000, "answered_at": 1762000005, "ended_at": 1762000250,
            "duration": 250, "raw_digits": "+33 6 12 34 56 78",
            "recording": f"https://aircall-recordings.s3.amazonaws.com/{call_id}.mp3?X-Amz-Expires=600",
            "asset": f"https://assets.aircall.io/calls/{call_id}/recording", "voicemail": None,
            "user": {"id": 456, "name": "Anna Agent", "email": "anna@shop.example"},
            "contact": {"id": 99, "first_name": "Carla", "last_name": "Caller", "company_name": None},
            "number": {"id": 1, "name": "Support", "digits": "+33 1 76 36 06 95"}}
    call.update(changes)
    payload = {"resource": "call", "event": event, "timestamp": 1762000280, "data": call}
    if token is not None:
        payload["token"] = token
    return payload


def post_event(client, account_id, payload=None, raw=None):
    body = raw if raw is not None else json.dumps(payload)
    return client.post(f"/hooks/phone/{account_id}", data=body, content_type="application/json")


def staff_page(client, number) -> str:
    response = client.get(f"/staff/tickets/{number}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- logging a call on a ticket -------------------------------------------------------------------

def test_an_agent_logs_a_call_and_the_thread_shows_it_as_a_call_card(app, client, login):
    agent = make_agent(email="agent@example.com", name="Alex Agent")
    ticket = make_ticket(email="carla@example.com", name="Carla")
    login(agent.email)
    assert 'action="/staff/tickets/%d/calls"' % ticket.number in staff_page(client, ticket.number)
    response = client.post(f"/staff/tickets/{ticket.number}/calls", data={
        "call-number": "+33 6 12 34 56 78", "call-direction": "outbound", "call-duration": "4:05",
        "call-recording_url": "https://recordings.example/4.mp3", "call-notes": "Promised a refund by Friday."})
    assert response.status_code == 302
    note = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id.desc())).first()
    assert note.kind == MessageKind.NOTE and note.channel == Channel.PHONE and note.author_id == agent.id
    assert note.meta["call"] | {"started_at": None} == {
        "number": NUMBER, "direction": "outbound", "duration_seconds": 245, "started_at": None,
        "recording_url": "https://recordings.example/4.mp3", "agent": "Alex Agent"}
    html = staff_page(client, ticket.number)
    card = html.split('class="call-card')[1].split("</div>")[0]
    assert "Outbound call" in card and "4:05" in card and NUMBER in card
    assert 'href="https://recordings.example/4.mp3"' in card and "Promised a refund by Friday." in html
    # the number now reaches this customer's record
    assert contacts.find("phone", NUMBER).id == ticket.contact_id


@pytest.mark.parametrize("field, value, error", [
    ("call-number", "06 12 34 56 78", "Enter a phone number in international form"),
    ("call-number", "", "Enter the phone number."),
    ("call-duration", "4:75", "Minutes and seconds go up to 59"),
    ("call-duration", "four minutes", "Enter the duration as minutes:seconds"),
    ("call-direction", "sideways", "Not a valid choice"),
    ("call-recording_url", "javascript:alert(1)", "Enter a link that starts with https://"),
])
def test_logging_a_call_with_a_bad_field_shows_the_error_next_to_it_and_keeps_nothing(
        app, client, login, field, value, error):
    agent = make_agent(email="agent@example.com")
    ticket = make_ticket()
    login(agent.email)
    before = count(TicketMessage)
    data = {"call-number": NUMBER, "call-direction": "inbound", "call-duration": "90", "call-notes": "x"}
    data[field] = value
    response = client.post(f"/staff/tickets/{ticket.number}/calls", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and error in html.split(f'id="{field}-error"')[1][:200]
    assert re.search(r"<details\s+open", html.split('class="log-call"')[1])  # the form is shown open
    assert count(TicketMessage) == before


def test_durations_and_safe_links():
    assert [calls.parse_duration(v) for v in ("", "245", "4:05", "0:59", "1:02:03", "100:00")] == \
        [0, 245, 245, 59, 3723, 6000]
    for bad in ("-5", "1:2:3:4", "٣:٠٥", "90000"):
        with pytest.raises(ValidationError):
            calls.parse_duration(bad)
    assert calls.format_duration(245) == "4:05" and calls.format_duration(3723) == "1:02:03"
    assert calls.safe_url("https://a.example/r.mp3") == "https://a.example/r.mp3"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//evil.example/x",
                "https://a.example/\nx", "ftp://a.example/r.mp3", None, ""):
        assert calls.safe_url(bad) is None


def test_agents_outside_the_ticket_scope_and_customers_cannot_log_calls(app, client, login):
    ticket = make_ticket()
    login(make_agent(scope="assigned").email)
    assert client.post(f"/staff/tickets/{ticket.number}/calls", data={"call-number": NUMBER}).status_code == 404
    client.post("/logout")
    login(make_user().email)
    assert client.post(f"/staff/tickets/{ticket.number}/calls", data={"call-number": NUMBER}).status_code == 404
    assert count(TicketMessage) == 1


# --- opening a ticket from a call -----------------------------------------------------------------

def test_an_agent_opens_a_ticket_from_a_call_and_the_caller_is_found_next_time(app, client, login):
    agent = make_agent(email="agent@example.com")
    login(agent.email)
    queue = client.get("/staff/tickets/?view=open").get_data(as_text=True)
    assert 'href="/staff/calls/new"' in queue and "New ticket from a call" in queue
    assert client.get("/staff/calls/new").status_code == 200
    response = client.post("/staff/calls/new", data={
        "number": "0033 6 12 34 56 78", "name": "Carla Caller", "direction": "inbound", "duration": "2:30",
        "subject": "", "notes": "Parcel arrived damaged."})
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.headers["Location"].endswith(f"/staff/tickets/{ticket.number}")
    assert ticket.channel == Channel.PHONE and ticket.subject == f"Call from {NUMBER}"
    assert ticket.requester_email == "" and ticket.requester_name == "Carla Caller"
    assert ticket.channel_address == NUMBER
    contact = db.session.get(Contact, ticket.contact_id)
    assert contact.name == "Carla Caller" and contact.identity("phone") == NUMBER
    first = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)).one()
    assert first.body == "Parcel arrived damaged." and first.meta["call"]["duration_seconds"] == 150
    html = staff_page(client, ticket.number)
    assert "Inbound call" in html and "2:30" in html
    assert "badge-channel-phone" in html or "Phone" in html.split('class="ticket-head"')[1][:600]

    again = client.post("/staff/calls/new", data={"number": NUMBER, "direction": "outbound", "duration": "45",
                                                  "subject": "Follow-up call", "notes": ""})
    assert again.status_code == 302
    second = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert second.contact_id == contact.id and second.subject == "Follow-up call"
    assert count(Contact) == 1


def test_a_caller_with_a_known_email_is_the_requester_of_the_call_ticket(app, client, login):
    login(make_agent().email)
    earlier = make_ticket(email="bea@example.com", name="Bea")
    contacts.add_identity(db.session.get(Contact, earlier.contact_id), "phone", NUMBER)
    db.session.commit()
    assert client.post("/staff/calls/new", data={"number": NUMBER, "direction": "inbound"}).status_code == 302
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert ticket.requester_email == "bea@example.com" and ticket.contact_id == earlier.contact_id


def test_the_call_form_shows_field_errors_and_opens_nothing(app, client, login):
    login(make_agent().email)
    response = client.post("/staff/calls/new", data={"number": "12", "direction": "inbound", "duration": "1:99"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="number-error"' in html and "international form" in html
    assert count(Ticket) == 0 and count(Contact) == 0
    response = client.post("/staff/calls/new", data={"number": NUMBER, "direction": "inbound", "duration": "1:99"})
    assert response.status_code == 400 and 'id="duration-error"' in response.get_data(as_text=True)
    assert count(Ticket) == 0 and count(Contact) == 0


def test_the_call_form_needs_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_agent(email="agent@example.com")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/login", data={"email": "agent@example.com", "password": "correct-horse-9",
                                           "csrf_token": token}).status_code == 302
        assert client.post("/staff/calls/new", data={"number": NUMBER, "direction": "inbound"}).status_code == 400
        assert count(Ticket) == 0
        ticket = make_ticket()
        call = {"call-number": NUMBER, "call-direction": "inbound", "call-duration": "30"}
        assert client.post(f"/staff/tickets/{ticket.number}/calls", data=call).status_code == 400
        page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
        token = re.search(r'id="call-csrf_token" name="call-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        logged = client.post(f"/staff/tickets/{ticket.number}/calls", data={**call, "call-csrf_token": token})
        assert logged.status_code == 302 and count(TicketMessage) == 2
        db.session.remove()
        db.engine.dispose()


# --- the call-event webhook -----------------------------------------------------------------------

def test_call_ended_from_an_unknown_number_opens_a_phone_ticket_with_the_recording(app, client, login, line):
    response = post_event(client, line.id, call_event())
    assert response.status_code == 200, response.get_json()
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.get_json() == {"outcome": "new_ticket", "ticket": ticket.number, "reason": "new conversation"}
    assert ticket.channel == Channel.PHONE and ticket.subject == f"Call from {NUMBER}"
    assert ticket.channel_account_id == line.id and ticket.requester_name == "Carla Caller"
    message = db.session.scalars(select(TicketMessage)).one()
    assert message.meta["call"]["duration_seconds"] == 250 and message.meta["call"]["status"] == "answered"
    assert message.meta["call"]["started_at"].startswith("2025-11-01T12:26:40")
    assert message.meta["call"]["recording_url"] == "https://assets.aircall.io/calls/812/recording"
    assert db.session.get(Contact, ticket.contact_id).identity("phone") == NUMBER
    login(make_agent().email)
    html = staff_page(client, ticket.number)
    card = html.split('class="call-card')[1].split("</div>")[0]
    assert 'href="https://assets.aircall.io/calls/812/recording"' in card and "4:10" in card
    assert "Anna Agent" in card


def test_call_ended_files_a_note_on_the_callers_open_ticket(app, client, login, line):
    earlier = make_ticket(email="carla@example.com", subject="Where is my parcel?")
    contacts.add_identity(db.session.get(Contact, earlier.contact_id), "phone", NUMBER)
    db.session.commit()
    response = post_event(client, line.id, call_event(answered_at=None, duration=12))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "note" and response.get_json()["ticket"] == earlier.number
    assert count(Ticket) == 1
    note = db.session.scalars(select(TicketMessage).order_by(TicketMessage.id.desc())).first()
    assert note.ticket_id == earlier.id and note.kind == MessageKind.NOTE and note.channel == Channel.PHONE
    assert note.meta["call"]["status"] == "missed" and note.body == f"Missed call from {NUMBER}."
    event = db.session.scalars(select(ChannelEvent)).one()
    assert event.external_id == "call:812:call.ended" and event.ticket_id == earlier.id
    login(make_agent().email)
    assert "Missed call" in staff_page(client, earlier.number)


def test_a_solved_or_merged_ticket_does_not_take_the_call(app, client, line):
    from portal.tickets import services

    boss = make_user(role=Role.MANAGER)
    solved = make_ticket(email="carla@example.com")
    services.change_status(solved, "solved", actor=boss)
    contacts.add_identity(db.session.get(Contact, solved.contact_id), "phone", NUMBER)
    db.session.commit()
    result = post_event(client, line.id, call_event()).get_json()
    assert result["outcome"] == "new_ticket" and result["ticket"] != solved.number
    assert db.session.get(Ticket, result["ticket"] - 1000).contact_id == solved.contact_id


def test_a_replayed_event_is_stored_once(app, client, line):
    first = post_event(client, line.id, call_event())
    again = post_event(client, line.id, call_event())
    assert first.status_code == again.status_code == 200
    assert again.get_json()["outcome"] == "duplicate" and again.get_json()["ticket"] == first.get_json()["ticket"]
    assert count(Ticket) == 1 and count(TicketMessage) == 1 and count(ChannelEvent) == 1
    # another event of the same call, or the same event of another call, is new
    assert post_event(client, line.id, call_event(event="call.created")).get_json()["outcome"] == "recorded"
    assert post_event(client, line.id, call_event(call_id=813)).get_json()["outcome"] == "note"
    assert count(ChannelEvent) == 3 and count(Ticket) == 1


def test_call_created_only_records_the_event(app, client, line):
    response = post_event(client, line.id, call_event(event="call.created", ended_at=None, duration=None))
    assert response.status_code == 200 and response.get_json()["outcome"] == "recorded"
    assert count(Ticket) == 0 and count(Contact) == 0
    event = db.session.scalars(select(ChannelEvent)).one()
    assert (event.external_id, event.kind, event.outcome) == ("call:812:call.created", "call", "recorded")


@pytest.mark.parametrize("token", ["not-the-token-at-all", None, "", 12345, ["x"]])
def test_a_missing_or_wrong_token_is_401_and_stores_nothing(app, client, line, token):
    payload = call_event(token=None)
    if token is not None:
        payload["token"] = token
    response = post_event(client, line.id, payload)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "bad_token"
    assert stored_nothing() and count(Contact) == 0


def test_an_unknown_or_disabled_line_is_404(app, client, line):
    assert post_event(client, line.id + 100, call_event()).status_code == 404
    sms = accounts.save_account(kind="sms", name="SMS", address="+33700000000", secrets={"webhook_token": TOKEN})
    db.session.commit()
    assert post_event(client, sms.id, call_event()).status_code == 404
    line.enabled = False
    db.session.commit()
    response = post_event(client, line.id, call_event())
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_channel"
    assert stored_nothing()


@pytest.mark.parametrize("raw", [
    b"not json", b"[1, 2]", b"\xff\xfe",
    json.dumps({"resource": "call", "event": "call.ended", "token": TOKEN}).encode(),
    json.dumps({"resource": "call", "event": "call.ended", "token": TOKEN, "data": []}).encode(),
    json.dumps(call_event(call_id=None)).encode(),
    json.dumps(call_event(call_id=True)).encode(),
    json.dumps(call_event(direction="sideways")).encode(),
    json.dumps(call_event(direction=None)).encode(),
    json.dumps(call_event(duration="long")).encode(),
    json.dumps(call_event(duration=-3)).encode(),
    json.dumps(call_event(event=7)).encode(),
])
def test_a_malformed_event_is_400_and_stores_nothing(app, client, line, raw):
    response = post_event(client, line.id, raw=raw)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["message"]
    assert stored_nothing()


def test_an_oversized_body_is_413_and_stores_nothing(app, client, line):
    payload = call_event()
    payload["data"]["padding"] = "x" * (app.config["CHANNEL_WEBHOOK_MAX_BYTES"] + 10)
    response = post_event(client, line.id, payload)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert stored_nothing()


def test_an_anonymous_call_is_recorded_but_files_nothing(app, client, line):
    response = post_event(client, line.id, call_event(raw_digits="anonymous"))
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert count(Ticket) == 0 and count(Contact) == 0 and count(ChannelEvent) == 1


def test_a_call_from_another_resource_is_ignored(app, client, line):
    response = post_event(client, line.id, {"resource": "user", "event": "user.connected", "token": TOKEN,
                                            "data": {"id": 1}})
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert stored_nothing()


def test_a_javascript_recording_link_is_never_rendered(app, client, login, line):
    response = post_event(client, line.id, call_event(asset="javascript:alert(document.cookie)",
                                                      recording="  JavaScript:alert(1)"))
    assert response.status_code == 200
    message = db.session.scalars(select(TicketMessage)).one()
    assert message.meta["call"].get("recording_url") is None
    # a link stored by older code (or by hand) is checked again when the page is drawn
    message.meta = {"call": {**message.meta["call"], "recording_url": "javascript:alert(1)"}}
    db.session.commit()
    login(make_agent().email)
    html = staff_page(client, db.session.get(Ticket, message.ticket_id).number)
    assert "call-card" in html and "javascript:" not in html.lower() and "Listen to the recording" not in html


# --- setting a line up ----------------------------------------------------------------------------

def test_a_manager_connects_a_line_sees_the_token_once_and_then_masked(app, client, login):
    login(make_user(role=Role.MANAGER).email)
    assert client.get("/staff/settings/channels/phone/new").status_code == 200
    response = client.post("/staff/settings/channels/phone/new", data={"name": "Support line", "group_id": "0",
                                                                       "enabled": "y"})
    assert response.status_code == 302
    account = db.session.scalars(select(ChannelAccount).where(ChannelAccount.kind == "phone")).one()
    token = accounts.secret(account, "webhook_token")
    assert len(token) >= 32 and token not in (account.secrets_encrypted or "")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert token in shown and f"/hooks/phone/{account.id}" in shown
    again = client.get(f"/staff/settings/channels/phone/{account.id}").get_data(as_text=True)
    assert token not in again and token[-4:] in again
    assert "/staff/settings/channels/phone/%d" % account.id in client.get("/staff/settings/channels/").get_data(
        as_text=True)
    # the generated token is the one the webhook accepts
    assert post_event(client, account.id, call_event(token=token, event="call.created")).status_code == 200


def test_a_pasted_token_is_kept_when_the_field_is_left_empty_and_can_be_rotated(app, client, login):
    login(make_user(role=Role.MANAGER).email)
    client.post("/staff/settings/channels/phone/new", data={"name": "Line", "webhook_token": TOKEN,
                                                            "group_id": "0", "enabled": "y"})
    account = db.session.scalars(select(ChannelAccount)).one()
    assert accounts.secret(account, "webhook_token") == TOKEN
    edit = client.post(f"/staff/settings/channels/phone/{account.id}", data={"name": "Renamed", "webhook_token": "",
                                                                              "group_id": "0", "enabled": "y"})
    assert edit.status_code == 302
    db.session.expire_all()
    account = db.session.get(ChannelAccount, account.id)
    assert account.name == "Renamed" and accounts.secret(account, "webhook_token") == TOKEN
    rotated = client.post(f"/staff/settings/channels/phone/{account.id}", data={"action": "rotate"})
    db.session.expire_all()
    new = accounts.secret(db.session.get(ChannelAccount, account.id), "webhook_token")
    assert new != TOKEN and new in rotated.get_data(as_text=True)
    assert post_event(client, account.id, call_event()).status_code == 401


def test_line_settings_errors_and_access(app, client, login):
    login(make_user(role=Role.MANAGER).email)
    response = client.post("/staff/settings/channels/phone/new", data={"name": "", "webhook_token": "short",
                                                                       "group_id": "999"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="name-error"' in html and 'id="webhook_token-error"' in html
    response = client.post("/staff/settings/channels/phone/new", data={"name": "Line", "group_id": "999"})
    assert response.status_code == 400 and "Choose a group from the list." in response.get_data(as_text=True)
    assert count(ChannelAccount) == 0
    assert client.get("/staff/settings/channels/phone/12345").status_code == 404
    client.post("/logout")
    login(make_agent().email)
    assert client.get("/staff/settings/channels/phone/new").status_code == 404
