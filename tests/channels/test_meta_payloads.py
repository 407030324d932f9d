"""Meta's webhook payloads as its documentation shows them (WhatsApp Cloud API `entry[].changes[].value`,
Messenger and Instagram `entry[].messaging[]`), the signed POST, and the accounts the Meta tests share.
The tests here read those payloads into events; the other test_meta_* modules post them for real."""
import hashlib
import hmac
import itertools
import json

import pytest
from sqlalchemy import select

from portal.channels.meta import parsing, services
from portal.channels.models import ChannelAccount
from portal.channels.webhooks import Rejected
from portal.extensions import db
from portal.tickets.models import Ticket, TicketMessage

APP_SECRET = "5f2b8e0c41d3a9e7b6c2d1f0a9e8b7c6"
ACCESS_TOKEN = "EAAGm0PX4ZCpsBAtest-token"
VERIFY_TOKEN = "a-verify-token-for-tests"
PHONE_ID = "106540352242922"
WABA_ID = "102290129340398"
PAGE_ID = "104556712345678"
IG_ID = "17841405822304914"
CUSTOMER = "16505551234"
PSID = "6783464718375402"
IGSID = "7271183922905462"
_ids = itertools.count(1)


def new_wamid() -> str:
    return f"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0{next(_ids):04d}RgA="


def new_mid() -> str:
    return f"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_{next(_ids):04d}"


# --- WhatsApp Cloud API ---------------------------------------------------------------------------

def whatsapp(messages=(), statuses=(), contacts=None, phone_number_id=PHONE_ID) -> dict:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id}}
    if messages:
        value["contacts"] = contacts if contacts is not None else [
            {"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}]}


def wa_text(body, wamid=None, sender=CUSTOMER) -> dict:
    return {"from": sender, "id": wamid or new_wamid(), "timestamp": "1749416383", "type": "text",
            "text": {"body": body}}


def wa_media(kind, media_id, *, caption=None, filename=None, mime_type="image/jpeg", wamid=None) -> dict:
    media = {"mime_type": mime_type, "sha256": "Gmn6cvJcwDnM3Eui9FBWdKrH0lo6xqqZO8GQmMWaM/c=", "id": media_id}
    if caption:
        media["caption"] = caption
    if filename:
        media["filename"] = filename
    return {"from": CUSTOMER, "id": wamid or new_wamid(), "timestamp": "1744344496", "type": kind, kind: media}


def wa_location(latitude, longitude, name=None, address=None, wamid=None) -> dict:
    location = {"latitude": latitude, "longitude": longitude}
    if name:
        location.update(name=name, address=address or "")
    return {"from": CUSTOMER, "id": wamid or new_wamid(), "timestamp": "1744344496", "type": "location",
            "location": location}


def wa_status(wamid, status, errors=None) -> dict:
    item = {"id": wamid, "status": status, "timestamp": "1750857384", "recipient_id": CUSTOMER}
    if status != "failed":
        item["conversation"] = {"id": "a75d17ad06104c51166f948319b03c6a", "origin": {"type": "service"}}
        item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    if errors:
        item["errors"] = errors
    return item


# --- Messenger and Instagram ----------------------------------------------------------------------

def messaging(events, *, kind="messenger", owner=None) -> dict:
    owner = owner or (PAGE_ID if kind == "messenger" else IG_ID)
    return {"object": "page" if kind == "messenger" else "instagram",
            "entry": [{"id": owner, "time": 1458692752478, "messaging": list(events)}]}


def ms_message(text=None, *, mid=None, sender=PSID, recipient=PAGE_ID, attachments=None) -> dict:
    message = {"mid": mid or new_mid()}
    if text is not None:
        message["text"] = text
    if attachments:
        message["attachments"] = attachments
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": 1458692752478,
            "message": message}


def ms_delivery(mids, watermark, *, sender=PSID, recipient=PAGE_ID) -> dict:
    return {"sender": {"id": sender}, "recipient": {"id": recipient},
            "delivery": {"mids": list(mids), "watermark": watermark}}


def ms_read(watermark=None, *, mid=None, sender=PSID, recipient=PAGE_ID) -> dict:
    read = {"watermark": watermark} if watermark is not None else {"mid": mid}
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": 1458668856463, "read": read}


# --- posting and the accounts ---------------------------------------------------------------------

def raw(payload) -> bytes:
    return json.dumps(payload).encode()


def signature(body: bytes, secret=APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, account, payload=None, *, body=None, secret=APP_SECRET, header=None, drop_signature=False):
    """POST like Meta does: the JSON body and its X-Hub-Signature-256."""
    body = raw(payload) if body is None else body
    headers = {} if drop_signature else {"X-Hub-Signature-256": header or signature(body, secret)}
    return client.post(f"/hooks/meta/{account.id}", data=body, headers=headers, content_type="application/json")


def make_account(httpserver, kind="whatsapp", **overrides) -> ChannelAccount:
    values = {"name": {"whatsapp": "Shop WhatsApp", "messenger": "Shop page", "instagram": "Shop Instagram"}[kind],
              "address": {"whatsapp": PHONE_ID, "messenger": PAGE_ID, "instagram": IG_ID}[kind],
              "app_secret": APP_SECRET, "access_token": ACCESS_TOKEN, "verify_token": VERIFY_TOKEN,
              "graph_url": httpserver.url_for("/v19.0")}
    values.update(overrides)
    account, _token = services.save(kind, **values)
    db.session.commit()
    return account


@pytest.fixture
def wa_account(app, httpserver):
    return make_account(httpserver, "whatsapp",
                        templates="order_update|en_US|Hello, about your order: {{1}}\nhello_world|en_US|Hello World")


@pytest.fixture
def fb_account(app, httpserver):
    return make_account(httpserver, "messenger")


@pytest.fixture
def ig_account(app, httpserver):
    return make_account(httpserver, "instagram")


def tickets() -> list[Ticket]:
    db.session.expire_all()
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def messages_of(ticket) -> list[TicketMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                   .order_by(TicketMessage.id)))


# --- the payloads read into events ----------------------------------------------------------------

def test_a_whatsapp_text_reads_with_the_profile_name_and_the_phone_number_id():
    payload = whatsapp([wa_text("Does it come in another color?", wamid="wamid.A")])
    [event] = parsing.parse("whatsapp", payload)
    assert (event.to, event.id, event.sender, event.name, event.text) == (
        PHONE_ID, "wamid.A", CUSTOMER, "Sheena Nelson", "Does it come in another color?")


def test_whatsapp_media_location_and_statuses_read_as_documented():
    payload = whatsapp([wa_media("image", "1003383421387256", caption="The box"),
                        wa_media("document", "77", filename="invoice.pdf", mime_type="application/pdf"),
                        wa_location(37.44216251868683, -122.16153582049394, "Philz Coffee", "3101 Middlefield Rd")],
                       statuses=[wa_status("wamid.S", "read")])
    image, document, location, status = parsing.parse("whatsapp", payload)
    assert image.kind == "media" and image.text == "The box" and image.media[0].media_id == "1003383421387256"
    assert document.media[0].filename == "invoice.pdf"
    assert location.location == {"latitude": 37.44216251868683, "longitude": -122.16153582049394,
                                 "name": "Philz Coffee", "address": "3101 Middlefield Rd"}
    assert (status.status, status.ids, status.key) == ("read", ["wamid.S"], "status:wamid.S:read")


def test_a_failed_status_carries_metas_reason():
    errors = [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
               "error_data": {"details": "Message failed to send because more than 24 hours have passed since the "
                                         "customer last replied to this number."}}]
    [status] = parsing.parse("whatsapp", whatsapp(statuses=[wa_status("wamid.F", "failed", errors)]))
    assert status.status == "failed" and status.error.startswith("Message failed to send because more than 24")
    assert status.error.endswith("[code 131047]")


def test_messenger_events_read_as_documented():
    payload = messaging([ms_message("hello, world!", mid="m_1"),
                         ms_message(attachments=[{"type": "image", "payload": {"url": "https://cdn.example/p.png"}}]),
                         ms_delivery(["m_out"], 1458668856253), ms_read(1458668856253),
                         {**ms_message("echo", mid="m_echo", sender=PAGE_ID, recipient=PSID),
                          "message": {"mid": "m_echo", "text": "echo", "is_echo": True}}])
    text, image, delivered, read, echo = parsing.parse("messenger", payload)
    assert (text.to, text.sender, text.id, text.text) == (PAGE_ID, PSID, "m_1", "hello, world!")
    assert image.kind == "media" and image.media[0].url == "https://cdn.example/p.png"
    assert delivered.ids == ["m_out"] and delivered.status == "delivered"
    assert read.watermark == 1458668856253 and read.recipient == PSID
    assert isinstance(echo, parsing.Ignored) and echo.to == PAGE_ID


@pytest.mark.parametrize("payload", [
    {"object": "whatsapp_business_account"},
    {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages"}]}]},
    whatsapp([{"from": CUSTOMER, "type": "text", "text": {"body": "no id"}}]),
    whatsapp([wa_text("no metadata")]) | {"entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messages": [wa_text("x")]}}]}]},
    whatsapp([wa_location("north", 2.0)]),
])
def test_missing_or_wrong_fields_are_refused_whole(payload):
    with pytest.raises(Rejected) as caught:
        parsing.parse("whatsapp", payload)
    assert caught.value.status == 400


def test_a_payload_for_another_product_is_ignored_not_refused():
    [event] = parsing.parse("whatsapp", messaging([ms_message("hi")]))
    assert isinstance(event, parsing.Ignored)
