"""SMS through Twilio, inbound: signed webhooks as Twilio sends them, threading per phone number, MMS media
fetched from a real HTTP server speaking Twilio's API, STOP/START. The helpers here serve test_sms_*.py."""
import base64
import hashlib
import hmac
import itertools

import pytest
from sqlalchemy import func, select
from werkzeug import Response

from portal.channels.models import ChannelAccount, ChannelEvent, ChannelOptOut, Contact
from portal.channels.sms import services
from portal.extensions import db
from portal.tickets.models import Channel, Status, Ticket, TicketAttachment, TicketMessage
from tests.sample_files import SVG, png

ACCOUNT_SID = "AC" + "0a1b2c3d" * 4
AUTH_TOKEN = "5f4dcc3b5aa765d61d8327deb882cf99"
NUMBER = "+15017122661"
CUSTOMER = "+33612345678"
_sids = itertools.count(1)


def new_sid(prefix="SM") -> str:
    return f"{prefix}{next(_sids):032x}"


def twilio_signature(token: str, url: str, fields: dict) -> str:
    """Twilio's documented algorithm, written out here on its own: the full URL, then every POST
    parameter's name and value sorted by name, HMAC-SHA1 with the Auth Token, base64."""
    text = url + "".join(f"{name}{fields[name]}" for name in sorted(fields))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def inbound_fields(body="Hello, where is my parcel?", sender=CUSTOMER, sid=None, media=()) -> dict:
    """The form Twilio POSTs for an incoming message (its documented parameters); media [(url, type)]."""
    sid = sid or new_sid("MM" if media else "SM")
    fields = {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": str(len(media)), "ToCity": "",
              "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "PARIS",
              "Body": body, "FromCountry": "FR", "To": NUMBER, "ToZip": "", "NumSegments": "1",
              "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "ApiVersion": "2010-04-01"}
    for n, (url, kind) in enumerate(media):
        fields[f"MediaUrl{n}"], fields[f"MediaContentType{n}"] = url, kind
    return fields


def post_signed(client, account, fields, *, path=None, token=AUTH_TOKEN, url=None, signature=None, headers=None):
    """POST `fields` form-encoded with X-Twilio-Signature over `url` (default: the URL the client calls)."""
    path = path or f"/hooks/sms/{account.id}"
    sent = {"X-Twilio-Signature": signature or twilio_signature(token, url or f"http://localhost{path}", fields)}
    sent.update(headers or {})
    return client.post(path, data=fields, headers=sent)


def post_status(client, account, sid, status, **extra):
    fields = {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": CUSTOMER, "MessageSid": sid,
              "AccountSid": ACCOUNT_SID, "From": NUMBER, "ApiVersion": "2010-04-01", **extra}
    return post_signed(client, account, fields, path=f"/hooks/sms/{account.id}/status")


def make_sms_account(httpserver, **overrides) -> ChannelAccount:
    values = {"name": "SMS support", "number": NUMBER, "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
              "api_base": httpserver.url_for("").rstrip("/")}
    values.update(overrides)
    account = services.save_sms_account(**values)
    db.session.commit()
    return account


@pytest.fixture
def sms_account(app, httpserver):
    return make_sms_account(httpserver)


def basic_auth(sid=ACCOUNT_SID, token=AUTH_TOKEN) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def serve_media(httpserver, data: bytes, content_type: str, message_sid: str, media_sid: str) -> str:
    """Twilio's media URL (basic auth) answering 307 to its storage, which serves the bytes; returns the URL."""
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message_sid}/Media/{media_sid}"
    storage = f"/storage/{media_sid}"
    httpserver.expect_request(path, method="GET", headers={"Authorization": basic_auth()}).respond_with_response(
        Response(status=307, headers={"Location": httpserver.url_for(storage)}))

    def stored(request):
        assert "Authorization" not in request.headers  # the credentials stay with Twilio
        return Response(data, status=200, content_type=content_type)
    httpserver.expect_request(storage, method="GET").respond_with_handler(stored)
    return httpserver.url_for(path)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def messages_of(ticket) -> list[TicketMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                   .order_by(TicketMessage.id)))


def sms_tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).where(Ticket.channel == Channel.SMS).order_by(Ticket.id)))


# --- the signature ------------------------------------------------------------------------------

def test_a_signed_sms_opens_a_ticket_and_gets_empty_twiml(client, sms_account):
    response = post_signed(client, sms_account, inbound_fields("Hello, where is my parcel?"))
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert response.get_data(as_text=True).endswith("<Response/>")
    [ticket] = sms_tickets()
    assert ticket.channel_address == CUSTOMER and ticket.channel_account_id == sms_account.id
    assert ticket.subject == "Hello, where is my parcel?" and ticket.requester_email == ""
    [message] = messages_of(ticket)
    assert message.body == "Hello, where is my parcel?" and message.external_id.startswith("SM")
    contact = db.session.get(Contact, ticket.contact_id)
    assert contact.identity("phone") == CUSTOMER
    [event] = db.session.scalars(select(ChannelEvent)).all()
    assert event.outcome == "new_ticket" and event.ticket_id == ticket.id


@pytest.mark.parametrize("tamper", ["body", "extra_field", "wrong_token", "missing", "other_url"])
def test_a_bad_or_missing_signature_is_401_and_stores_nothing(client, sms_account, tamper):
    fields = inbound_fields("Real message")
    token = "0" * 32 if tamper == "wrong_token" else AUTH_TOKEN
    url = f"http://localhost/hooks/sms/{sms_account.id + (1 if tamper == 'other_url' else 0)}"
    headers = {"X-Twilio-Signature": twilio_signature(token, url, fields)} if tamper != "missing" else {}
    if tamper == "body":
        fields["Body"] = "Changed on the way"
    elif tamper == "extra_field":
        fields["MediaUrl0"] = "http://127.0.0.1:1/evil"
    response = client.post(f"/hooks/sms/{sms_account.id}", data=fields, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == ("missing_signature" if tamper == "missing" else "bad_signature")
    assert count(Ticket) == 0 and count(ChannelEvent) == 0 and count(Contact) == 0


def test_behind_a_proxy_the_signature_is_over_the_public_url(make_app, httpserver):
    app = make_app(CHANNELS_PUBLIC_URL="https://help.shop.example/")
    with app.app_context():
        account = make_sms_account(httpserver)
        client = app.test_client()
        public = f"https://help.shop.example/hooks/sms/{account.id}"
        internal = post_signed(client, account, inbound_fields("Signed for the inner URL"))
        assert internal.status_code == 401
        response = post_signed(client, account, inbound_fields("Signed for the public URL"), url=public)
        assert response.status_code == 200 and count(Ticket) == 1
        # Twilio may sign the URL with the default port written out: that is the same URL.
        with_port = post_signed(client, account, inbound_fields("With the port", sender="+33699999999"),
                                url=f"https://help.shop.example:443/hooks/sms/{account.id}")
        assert with_port.status_code == 200 and count(Ticket) == 2
        assert services.hook_url(account, "status") == f"https://help.shop.example/hooks/sms/{account.id}/status"
        db.session.remove()


# --- bad requests ---------------------------------------------------------------------------------

def test_unknown_or_disabled_account_is_404(client, sms_account, httpserver):
    fields = inbound_fields()
    missing = post_signed(client, sms_account, fields, path="/hooks/sms/999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_channel"
    sms_account.enabled = False
    db.session.commit()
    assert post_signed(client, sms_account, fields).status_code == 404
    assert count(Ticket) == 0 and count(ChannelEvent) == 0


@pytest.mark.parametrize("drop", ["MessageSid", "From"])
def test_a_signed_message_without_its_id_or_sender_is_400(client, sms_account, drop):
    fields = inbound_fields()
    del fields[drop]
    if drop == "MessageSid":
        del fields["SmsMessageSid"]
    response = post_signed(client, sms_account, fields)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "missing_field"
    assert count(Ticket) == 0 and count(ChannelEvent) == 0


def test_a_sender_that_is_not_a_phone_number_is_400(client, sms_account):
    response = post_signed(client, sms_account, inbound_fields(sender="whatsapp:+33612345678"))
    assert response.status_code == 400 and count(Ticket) == 0


def test_an_oversize_body_is_413_and_stores_nothing(make_app, httpserver):
    app = make_app(CHANNEL_WEBHOOK_MAX_BYTES=2000)
    with app.app_context():
        account = make_sms_account(httpserver)
        response = post_signed(app.test_client(), account, inbound_fields("x" * 3000))
        assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
        assert count(Ticket) == 0 and count(ChannelEvent) == 0
        db.session.remove()


def test_the_same_message_sid_delivered_twice_is_stored_once(client, sms_account):
    fields = inbound_fields("Only once please")
    first, again = post_signed(client, sms_account, fields), post_signed(client, sms_account, fields)
    assert first.status_code == again.status_code == 200
    [ticket] = sms_tickets()
    assert len(messages_of(ticket)) == 1 and count(ChannelEvent) == 1


# --- threading ------------------------------------------------------------------------------------

def test_messages_thread_per_number_until_the_ticket_is_closed(client, sms_account):
    post_signed(client, sms_account, inbound_fields("My order 1042 has not arrived"))
    post_signed(client, sms_account, inbound_fields("It was due on Monday"))
    post_signed(client, sms_account, inbound_fields("Another customer here", sender="+33 6 98 76 54 32"))
    first, other = sms_tickets()
    assert [m.body for m in messages_of(first)] == ["My order 1042 has not arrived", "It was due on Monday"]
    assert other.channel_address == "+33698765432" and len(messages_of(other)) == 1
    events = db.session.scalars(select(ChannelEvent).order_by(ChannelEvent.id)).all()
    assert [e.outcome for e in events] == ["new_ticket", "reply", "new_ticket"]

    first.status = Status.CLOSED
    db.session.commit()
    post_signed(client, sms_account, inbound_fields("Hello again, new question"))
    tickets_now = sms_tickets()
    assert len(tickets_now) == 3 and tickets_now[-1].channel_address == CUSTOMER
    assert [m.body for m in messages_of(tickets_now[-1])] == ["Hello again, new question"]
    assert tickets_now[-1].contact_id == first.contact_id


def test_new_sms_tickets_go_to_the_accounts_group(client, httpserver, app):
    from tests.factories import make_group

    group = make_group(name="Phone team")
    account = make_sms_account(httpserver, group_id=group.id)
    post_signed(client, account, inbound_fields())
    assert sms_tickets()[0].group_id == group.id


# --- MMS ------------------------------------------------------------------------------------------

def test_an_mms_image_is_fetched_with_basic_auth_and_stored(client, sms_account, httpserver):
    sid = new_sid("MM")
    image = png(2, 2)
    url = serve_media(httpserver, image, "image/png", sid, "ME" + "1" * 32)
    response = post_signed(client, sms_account, inbound_fields("Photo of the damage", sid=sid,
                                                               media=[(url, "image/png")]))
    assert response.status_code == 200
    [ticket] = sms_tickets()
    [message] = messages_of(ticket)
    [attachment] = db.session.scalars(select(TicketAttachment).where(TicketAttachment.message_id == message.id))
    assert attachment.content_type == "image/png" and attachment.size == len(image)
    assert attachment.original_name == "mms-1.png"


def test_an_svg_or_oversize_media_is_refused_with_a_note(make_app, httpserver):
    app = make_app(CHANNEL_MEDIA_MAX_BYTES=4000)
    with app.app_context():
        account = make_sms_account(httpserver)
        sid = new_sid("MM")
        svg = serve_media(httpserver, SVG, "image/svg+xml", sid, "ME" + "2" * 32)
        big = serve_media(httpserver, png() + b"\0" * 5000, "image/png", sid, "ME" + "3" * 32)
        fine = serve_media(httpserver, png(), "image/png", sid, "ME" + "4" * 32)
        response = post_signed(app.test_client(), account, inbound_fields(
            "", sid=sid, media=[(svg, "image/svg+xml"), (big, "image/png"), (fine, "image/png")]))
        assert response.status_code == 200
        [ticket] = sms_tickets()
        first, *notes = messages_of(ticket)
        assert first.body == "(attachment)" and [a.original_name for a in first.attachments] == ["mms-3.png"]
        assert all(n.is_note for n in notes) and len(notes) == 2
        text = " ".join(n.body for n in notes)
        assert "mms-1.svg was not kept" in text and "SVG" in text
        assert "mms-2.png was not kept: it is larger than" in text
        db.session.remove()


def test_media_twilio_cannot_serve_becomes_a_note(client, sms_account, httpserver):
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MMx/Media/MEx"
    httpserver.expect_request(path).respond_with_json(
        {"code": 20404, "message": "The requested resource was not found", "more_info":
         "https://www.twilio.com/docs/errors/20404", "status": 404}, status=404)
    post_signed(client, sms_account, inbound_fields("See photo", media=[(httpserver.url_for(path), "image/jpeg")]))
    [ticket] = sms_tickets()
    first, note = messages_of(ticket)
    assert first.body == "See photo" and note.is_note
    assert "mms-1.jpg could not be fetched from Twilio: The requested resource was not found" in note.body


# --- STOP / START -------------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe ", "StopAll", "cancel", "END", "quit"])
def test_a_bare_stop_keyword_opts_out_without_opening_a_ticket(client, sms_account, word):
    response = post_signed(client, sms_account, inbound_fields(word))
    assert response.status_code == 200 and count(Ticket) == 0
    assert db.session.get(ChannelOptOut, (sms_account.id, CUSTOMER)) is not None
    [event] = db.session.scalars(select(ChannelEvent)).all()
    assert event.outcome == "opt_out"


def test_stop_and_start_are_noted_on_the_open_conversation(client, sms_account):
    post_signed(client, sms_account, inbound_fields("Where is my parcel?"))
    post_signed(client, sms_account, inbound_fields("STOP"))
    [ticket] = sms_tickets()
    first, note = messages_of(ticket)
    assert note.is_note and note.author_kind.value == "system"
    assert f"{CUSTOMER} replied STOP" in note.body
    assert services.opted_out(sms_account, CUSTOMER)
    post_signed(client, sms_account, inbound_fields("start"))
    assert not services.opted_out(sms_account, CUSTOMER)
    assert "replied start: replies by SMS can be sent again" in messages_of(ticket)[-1].body
    assert count(Ticket) == 1
    # Not a keyword: "stop sending me promos" is a message like any other.
    post_signed(client, sms_account, inbound_fields("Stop sending me promos please"))
    assert messages_of(ticket)[-1].body == "Stop sending me promos please" and not services.opted_out(
        sms_account, CUSTOMER)


def test_yes_in_a_conversation_is_an_answer_unless_the_number_opted_out(client, sms_account):
    post_signed(client, sms_account, inbound_fields("Can I get a refund?"))
    post_signed(client, sms_account, inbound_fields("Yes"))
    [ticket] = sms_tickets()
    assert [m.body for m in messages_of(ticket)] == ["Can I get a refund?", "Yes"]
    post_signed(client, sms_account, inbound_fields("STOP"))
    post_signed(client, sms_account, inbound_fields("YES"))
    assert not services.opted_out(sms_account, CUSTOMER)
    assert "replied YES: replies by SMS can be sent again" in messages_of(ticket)[-1].body
    assert count(Ticket) == 1 and messages_of(ticket)[-1].is_note


def test_a_closed_ticket_is_not_reopened_by_stop(client, sms_account):
    post_signed(client, sms_account, inbound_fields("Hello"))
    [ticket] = sms_tickets()
    ticket.status = Status.CLOSED
    db.session.commit()
    post_signed(client, sms_account, inbound_fields("STOP"))
    assert len(sms_tickets()) == 1 and services.opted_out(sms_account, CUSTOMER)


def test_a_first_message_racing_another_worker_for_the_same_number_is_kept(client, sms_account, monkeypatch):
    """Two first messages from one number at once: the second worker finds no customer, then cannot add the
    number the first one just stored. It tries again and lands on that customer; nothing is lost."""
    from datetime import datetime

    from sqlalchemy import text

    from portal.channels import contacts

    real_find, raced = contacts.find, []

    def find_just_before_the_other_commit(kind, value):
        if raced:
            return real_find(kind, value)
        raced.append(value)
        with db.engine.begin() as other:  # the other worker commits this number's new customer now
            now = datetime(2026, 1, 1)
            contact_id = other.execute(text("INSERT INTO contact (name, created_at, updated_at) VALUES "
                                            "('', :now, :now) RETURNING id"), {"now": now}).scalar()
            other.execute(text("INSERT INTO contact_identity (contact_id, kind, value, created_at) VALUES "
                               "(:id, 'phone', :value, :now)"), {"id": contact_id, "value": value, "now": now})
        return None

    monkeypatch.setattr(contacts, "find", find_just_before_the_other_commit)
    response = post_signed(client, sms_account, inbound_fields("Sent twice at the same moment"))
    assert response.status_code == 200 and raced == [CUSTOMER]
    [ticket] = sms_tickets()
    assert [m.body for m in messages_of(ticket)] == ["Sent twice at the same moment"]
    assert count(Contact) == 1 and ticket.contact_id == db.session.scalars(select(Contact.id)).one()
