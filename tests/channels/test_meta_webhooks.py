"""Meta webhooks end to end: the verify handshake, X-Hub-Signature-256 over the raw body, each message
stored once by its id, WhatsApp media fetched from a real HTTP server speaking the Graph API, locations,
statuses onto our replies; Messenger and Instagram the same way."""
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.channels.models import ChannelEvent, ContactIdentity
from portal.extensions import db
from portal.tickets.models import AuthorKind, Channel, MessageKind, TicketAttachment, TicketMessage
from tests import sample_files
from tests.channels.test_meta_payloads import (  # noqa: F401  (fixtures)
    ACCESS_TOKEN, CUSTOMER, IG_ID, IGSID, PAGE_ID, PSID, VERIFY_TOKEN, fb_account,
    ig_account, make_account, messages_of, messaging, ms_delivery, ms_message, ms_read, new_wamid, post, raw,
    signature, tickets, wa_account, wa_location, wa_media, wa_status, wa_text, whatsapp)
from tests.factories import make_agent

BEARER = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


# --- the verify handshake -------------------------------------------------------------------------

def test_the_verify_handshake_echoes_the_challenge_for_the_right_token(client, wa_account):
    answer = client.get(f"/hooks/meta/{wa_account.id}", query_string={
        "hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN})
    assert answer.status_code == 200 and answer.get_data(as_text=True) == "1158201444"
    assert answer.mimetype == "text/plain"


@pytest.mark.parametrize("args", [
    {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "wrong-token"},
    {"hub.mode": "subscribe", "hub.challenge": "1158201444"},
    {"hub.mode": "unsubscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN},
])
def test_a_wrong_verify_token_or_mode_is_403(client, wa_account, args):
    answer = client.get(f"/hooks/meta/{wa_account.id}", query_string=args)
    assert answer.status_code == 403 and "1158201444" not in answer.get_data(as_text=True)


def test_an_unknown_or_disabled_account_is_404(client, wa_account):
    assert client.get("/hooks/meta/999", query_string={"hub.mode": "subscribe"}).status_code == 404
    assert post(client, SimpleNamespace(id=999), whatsapp([wa_text("hi")])).status_code == 404
    wa_account.enabled = False
    db.session.commit()
    assert post(client, wa_account, whatsapp([wa_text("hi")])).status_code == 404
    assert tickets() == []


# --- the signature ------------------------------------------------------------------------------

def test_a_valid_signature_is_accepted(client, wa_account):
    answer = post(client, wa_account, whatsapp([wa_text("Does it come in another color?")]))
    assert answer.status_code == 200 and answer.get_json()["results"][0]["outcome"] == "new_ticket"


@pytest.mark.parametrize("how", ["tampered", "wrong_secret", "missing", "garbage"])
def test_a_bad_or_missing_signature_is_401_and_stores_nothing(client, wa_account, how):
    body = raw(whatsapp([wa_text("Does it come in another color?")]))
    if how == "tampered":
        answer = post(client, wa_account, body=body.replace(b"another", b"a third"), header=signature(body))
    elif how == "wrong_secret":
        answer = post(client, wa_account, body=body, secret="not-the-app-secret")
    elif how == "missing":
        answer = post(client, wa_account, body=body, drop_signature=True)
    else:
        answer = post(client, wa_account, body=body, header="sha1=" + signature(body)[7:])
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "bad_signature"
    assert tickets() == [] and db.session.scalar(select(ChannelEvent.id)) is None


# --- bad input stores nothing ---------------------------------------------------------------------

def test_malformed_json_or_missing_fields_are_400_and_store_nothing(client, wa_account):
    assert post(client, wa_account, body=b'{"object": "whatsapp_business_account", "entry": [').status_code == 400
    assert post(client, wa_account, {"object": "whatsapp_business_account"}).status_code == 400
    half = whatsapp([wa_text("a good one"), {"from": CUSTOMER, "type": "text", "text": {"body": "no id"}}])
    answer = post(client, wa_account, half)
    assert answer.status_code == 400 and "messages[].id" in answer.get_json()["error"]["message"]
    assert tickets() == [] and db.session.scalar(select(ChannelEvent.id)) is None


def test_an_oversize_body_is_413_and_stores_nothing(app, client, wa_account):
    app.config["CHANNEL_WEBHOOK_MAX_BYTES"] = 2000
    body = raw(whatsapp([wa_text("x" * 3000)]))
    answer = post(client, wa_account, body=body)
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "too_large"
    assert tickets() == []


# --- WhatsApp messages ----------------------------------------------------------------------------

def test_a_whatsapp_text_opens_a_ticket_with_the_profile_name_and_the_next_one_threads(client, wa_account):
    post(client, wa_account, whatsapp([wa_text("Does it come in another color?")]))
    post(client, wa_account, whatsapp([wa_text("Blue would be perfect.")]))
    [ticket] = tickets()
    assert ticket.channel == Channel.WHATSAPP and ticket.requester_name == "Sheena Nelson"
    assert ticket.channel_account_id == wa_account.id and ticket.channel_address == "+" + CUSTOMER
    assert [m.body for m in messages_of(ticket)] == ["Does it come in another color?", "Blue would be perfect."]
    assert db.session.scalar(select(ContactIdentity.value).where(ContactIdentity.kind == "whatsapp")) == "+" + CUSTOMER


def test_the_same_wamid_is_stored_once_across_posts_and_within_one_post(client, wa_account):
    wamid = new_wamid()
    first = post(client, wa_account, whatsapp([wa_text("Hello", wamid=wamid)]))
    again = post(client, wa_account, whatsapp([wa_text("Hello", wamid=wamid)]))
    assert first.status_code == again.status_code == 200
    assert again.get_json()["results"][0]["outcome"] == "duplicate"
    twice = new_wamid()
    both = post(client, wa_account, whatsapp([wa_text("Twice", wamid=twice), wa_text("Twice", wamid=twice)]))
    assert [r["outcome"] for r in both.get_json()["results"]] == ["reply", "duplicate"]
    [ticket] = tickets()
    assert [m.body for m in messages_of(ticket)] == ["Hello", "Twice"]


def test_one_post_may_carry_several_messages(client, wa_account):
    other = "447700900123"
    payload = whatsapp([wa_text("From Sheena"), wa_text("From Sam", sender=other)],
                       contacts=[{"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER},
                                 {"profile": {"name": "Sam Patel"}, "wa_id": other}])
    assert post(client, wa_account, payload).get_json()["received"] == 2
    assert sorted(t.requester_name for t in tickets()) == ["Sam Patel", "Sheena Nelson"]


def serve_whatsapp_media(httpserver, media_id, data, mime_type):
    """The Graph API's media node (GET /{media id} -> url) and the download behind it, both with the token."""
    download = f"/whatsapp_business/attachments/{media_id}"
    httpserver.expect_request(f"/v19.0/{media_id}", method="GET", headers=BEARER).respond_with_json({
        "messaging_product": "whatsapp", "url": httpserver.url_for(download), "mime_type": mime_type,
        "sha256": "c4fbd0f5...", "file_size": str(len(data)), "id": media_id})
    httpserver.expect_request(download, method="GET", headers=BEARER).respond_with_data(data, content_type=mime_type)


def test_an_image_is_fetched_from_the_graph_api_and_stored(client, wa_account, httpserver):
    png = sample_files.png(4, 4)
    serve_whatsapp_media(httpserver, "1003383421387256", png, "image/png")
    post(client, wa_account, whatsapp([wa_media("image", "1003383421387256", caption="The box arrived like this",
                                                mime_type="image/png")]))
    [message] = messages_of(tickets()[0])
    assert message.body == "The box arrived like this"
    [attachment] = db.session.scalars(select(TicketAttachment).where(TicketAttachment.message_id == message.id))
    assert attachment.content_type == "image/png" and attachment.size == len(png)
    assert attachment.original_name == "image-1.png"


def test_a_document_keeps_its_file_name(client, wa_account, httpserver):
    serve_whatsapp_media(httpserver, "4411", sample_files.pdf(), "application/pdf")
    post(client, wa_account, whatsapp([wa_media("document", "4411", filename="invoice-1042.pdf",
                                                mime_type="application/pdf")]))
    [message] = messages_of(tickets()[0])
    assert [a.original_name for a in message.attachments] == ["invoice-1042.pdf"]


def test_media_meta_will_not_give_becomes_a_note_and_the_message_is_kept(client, wa_account, httpserver):
    httpserver.expect_request("/v19.0/555", method="GET").respond_with_json(
        {"error": {"message": "Invalid media id", "type": "OAuthException", "code": 100}}, status=400)
    answer = post(client, wa_account, whatsapp([wa_media("image", "555")]))
    assert answer.status_code == 200
    public, note = messages_of(tickets()[0])
    assert public.body == "(The customer sent a file that could not be fetched.)"
    assert note.kind == MessageKind.NOTE and "Invalid media id [code 100]" in note.body


def test_a_location_is_stored_as_text_with_a_safe_map_link(client, wa_account, login):
    post(client, wa_account, whatsapp([wa_location(37.44216251868683, -122.16153582049394,
                                                   'Philz <script>alert(1)</script>"Coffee"')]))
    [ticket] = tickets()
    [message] = messages_of(ticket)
    assert message.body.startswith("Location: 37.44216251868683, -122.16153582049394 (Philz <script>")
    assert message.meta["location"]["latitude"] == 37.44216251868683
    login(make_agent(scope="all").email)
    page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert ('href="https://www.openstreetmap.org/?mlat=37.44216251868683&amp;mlon=-122.16153582049394'
            '#map=17/37.44216251868683/-122.16153582049394"') in page
    assert "<script>alert(1)" not in page


def test_an_unsupported_message_type_is_noted(client, wa_account):
    unsupported = {"from": CUSTOMER, "id": new_wamid(), "timestamp": "1744344496", "type": "unsupported",
                   "errors": [{"code": 131051, "title": "Message type unknown"}]}
    assert post(client, wa_account, whatsapp([unsupported])).status_code == 200
    [message] = messages_of(tickets()[0])
    assert "“unsupported”" in message.body and "see it in WhatsApp" in message.body


def test_events_for_a_number_we_do_not_have_are_answered_200_and_ignored(client, wa_account):
    answer = post(client, wa_account, whatsapp([wa_text("Hi")], phone_number_id="999999999"))
    assert answer.status_code == 200 and answer.get_json()["results"][0]["outcome"] == "ignored"
    assert tickets() == []


def test_a_second_number_on_the_same_app_is_routed_to_its_own_channel(client, wa_account, httpserver):
    second = make_account(httpserver, "whatsapp", name="Second number", address="106540352242999")
    post(client, wa_account, whatsapp([wa_text("To the second number")], phone_number_id="106540352242999"))
    [ticket] = tickets()
    assert ticket.channel_account_id == second.id


# --- statuses --------------------------------------------------------------------------------------

def _agent_message(ticket, external_id, status="sent"):
    from portal.tickets.services import add_reply

    agent = make_agent(scope="all")
    message = add_reply(ticket, body="Yes, in blue.", author=agent, status=None)
    message.external_id, message.delivery_status = external_id, status
    db.session.commit()
    return message


def test_whatsapp_statuses_update_the_agents_message(client, wa_account):
    post(client, wa_account, whatsapp([wa_text("Does it come in another color?")]))
    sent = _agent_message(tickets()[0], "wamid.OUT1")
    post(client, wa_account, whatsapp(statuses=[wa_status("wamid.OUT1", "delivered")]))
    assert db.session.get(TicketMessage, sent.id).delivery_status == "delivered"
    post(client, wa_account, whatsapp(statuses=[wa_status("wamid.OUT1", "read"), wa_status("wamid.OUT1", "sent")]))
    db.session.expire_all()
    assert db.session.get(TicketMessage, sent.id).delivery_status == "read"  # a late "sent" changes nothing


def test_a_failed_status_shows_the_reason(client, wa_account):
    post(client, wa_account, whatsapp([wa_text("Hello")]))
    sent = _agent_message(tickets()[0], "wamid.OUT2")
    errors = [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
               "error_data": {"details": "Message Undeliverable."}}]
    post(client, wa_account, whatsapp(statuses=[wa_status("wamid.OUT2", "failed", errors)]))
    db.session.expire_all()
    message = db.session.get(TicketMessage, sent.id)
    assert message.delivery_status == "failed" and message.delivery_error == "Message Undeliverable. [code 131026]"


def test_a_status_for_a_message_not_sent_from_here_is_200_and_recorded_as_ignored(client, wa_account):
    answer = post(client, wa_account, whatsapp(statuses=[wa_status("wamid.ELSEWHERE", "delivered")]))
    assert answer.status_code == 200 and answer.get_json()["results"][0]["outcome"] == "ignored"


# --- Messenger and Instagram -----------------------------------------------------------------------

def test_a_messenger_text_opens_a_messenger_ticket_and_the_next_threads(client, fb_account):
    post(client, fb_account, messaging([ms_message("hello, world!")]))
    post(client, fb_account, messaging([ms_message("are you there?")]))
    [ticket] = tickets()
    assert ticket.channel == Channel.MESSENGER and ticket.channel_address == PSID
    assert [m.body for m in messages_of(ticket)] == ["hello, world!", "are you there?"]


def test_an_instagram_text_opens_an_instagram_ticket(client, ig_account):
    answer = post(client, ig_account, messaging([ms_message("Is this still available?", sender=IGSID,
                                                            recipient=IG_ID)], kind="instagram"))
    assert answer.status_code == 200
    [ticket] = tickets()
    assert ticket.channel == Channel.INSTAGRAM and ticket.channel_address == IGSID
    assert ticket.channel_account_id == ig_account.id


def test_a_messenger_attachment_is_fetched_from_its_url(client, fb_account, httpserver):
    jpeg = sample_files.jpeg()
    httpserver.expect_request("/cdn/photo.jpg", method="GET").respond_with_data(jpeg, content_type="image/jpeg")
    post(client, fb_account, messaging([ms_message(attachments=[
        {"type": "image", "payload": {"url": httpserver.url_for("/cdn/photo.jpg")}}])]))
    [message] = messages_of(tickets()[0])
    assert [(a.original_name, a.size) for a in message.attachments] == [("photo.jpg", len(jpeg))]


def test_the_pages_own_echo_is_ignored(client, fb_account):
    echo = {"sender": {"id": PAGE_ID}, "recipient": {"id": PSID}, "timestamp": 1,
            "message": {"mid": "m_echo_1", "text": "Sent from the page", "is_echo": True}}
    assert post(client, fb_account, messaging([echo])).status_code == 200
    assert tickets() == []


def test_messenger_delivery_and_read_receipts_update_our_replies(client, fb_account):
    post(client, fb_account, messaging([ms_message("hello")]))
    first = _agent_message(tickets()[0], "m_out_1")
    second = _agent_message(tickets()[0], "m_out_2")
    post(client, fb_account, messaging([ms_delivery(["m_out_1"], 0)]))
    db.session.expire_all()
    assert (db.session.get(TicketMessage, first.id).delivery_status,
            db.session.get(TicketMessage, second.id).delivery_status) == ("delivered", "sent")
    post(client, fb_account, messaging([ms_read(9_999_999_999_999)]))
    db.session.expire_all()
    assert {db.session.get(TicketMessage, m.id).delivery_status for m in (first, second)} == {"read"}


def test_an_instagram_read_by_mid_marks_that_reply_read(client, ig_account):
    post(client, ig_account, messaging([ms_message("hi", sender=IGSID, recipient=IG_ID)], kind="instagram"))
    reply = _agent_message(tickets()[0], "aWdfZAG1faWQ6MTc4")
    post(client, ig_account, messaging([ms_read(mid="aWdfZAG1faWQ6MTc4", sender=IGSID, recipient=IG_ID)],
                                       kind="instagram"))
    db.session.expire_all()
    assert db.session.get(TicketMessage, reply.id).delivery_status == "read"
    assert db.session.get(TicketMessage, reply.id).author_kind == AuthorKind.AGENT


def test_the_settings_page_lists_the_last_events(client, wa_account, login):
    from portal.accounts.models import Role
    from tests.factories import make_user

    post(client, wa_account, whatsapp([wa_text("Hello")]))
    login(make_user(role=Role.MANAGER).email)
    page = unescape(client.get(f"/staff/settings/channels/whatsapp/{wa_account.id}").get_data(as_text=True))
    assert "new_ticket" in page and f"#{tickets()[0].number}" in page
