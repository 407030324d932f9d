"""SMS through Twilio, outbound: an agent's reply from the desk reaches a real HTTP server speaking Twilio's
Messages API, its status callbacks show on the message, STOP blocks replies until START."""
import json
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug import Response

from portal.channels.models import ChannelEvent
from portal.extensions import db
from portal.jobs.models import Job
from portal.tickets.models import TicketMessage
from tests.channels.test_sms import (ACCOUNT_SID, CUSTOMER, NUMBER, basic_auth, inbound_fields, messages_of,
                                     new_sid, post_signed, post_status, sms_account, sms_tickets)  # noqa: F401
from tests.factories import make_agent

MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def message_resource(sid, form) -> dict:
    """Twilio's Message resource as the create call answers it (201)."""
    return {"account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "body": form["Body"],
            "date_created": "Thu, 24 Aug 2023 05:01:45 +0000", "date_sent": None,
            "date_updated": "Thu, 24 Aug 2023 05:01:45 +0000", "direction": "outbound-api", "error_code": None,
            "error_message": None, "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid,
            "status": "queued", "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}"
                                                              "/Media.json"},
            "to": form["To"], "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"}


class Sent(list):
    """The forms Twilio received; fail(status, body) makes the next calls answer that instead."""

    def __init__(self):
        super().__init__()
        self.failure = {}

    def fail(self, status, body):
        self.failure.update(status=status, body=body)


@pytest.fixture
def twilio_messages(httpserver):
    """Twilio's Messages endpoint: records each request's form; answers 201 with a new sid unless told to fail."""
    sent = Sent()
    failure = sent.failure

    def create(request):
        assert request.headers.get("Authorization") == basic_auth()
        form = request.form.to_dict()
        sent.append(form)
        if failure:
            return Response(json.dumps(failure["body"]), status=failure["status"], content_type="application/json")
        return Response(json.dumps(message_resource(new_sid(), form)), status=201, content_type="application/json")
    httpserver.expect_request(MESSAGES, method="POST").respond_with_handler(create)
    return sent


@pytest.fixture
def conversation(client, sms_account):  # noqa: F811
    """A customer texted in; returns the ticket."""
    post_signed(client, sms_account, inbound_fields("Where is my parcel?"))
    return sms_tickets()[0]


@pytest.fixture
def agent(app, login):
    user = make_agent(scope="all", email="agent@shop.example", name="Alex Agent")
    login(user.email)
    return user


def reply(client, ticket, body="It left our warehouse this morning.", follow=True):
    db.session.refresh(ticket)
    return client.post(f"/staff/tickets/{ticket.number}/messages", follow_redirects=follow,
                       data={"body": body, "kind": "public", "version": ticket.version})


def agent_replies(ticket) -> list[TicketMessage]:
    return [m for m in messages_of(ticket) if m.author_kind.value == "agent"]


def test_an_agent_reply_is_sent_through_twilio_and_stores_the_sid(client, sms_account, conversation, agent,
                                                                  twilio_messages):
    page = reply(client, conversation)
    assert page.status_code == 200 and "Reply sent." in page.get_data(as_text=True)
    [form] = twilio_messages
    assert form == {"To": CUSTOMER, "From": NUMBER, "Body": "It left our warehouse this morning.",
                    "StatusCallback": f"http://localhost/hooks/sms/{sms_account.id}/status"}
    [message] = agent_replies(conversation)
    assert message.external_id.startswith("SM") and message.delivery_status == "sent"
    assert 'class="small delivery delivery-sent muted">Sent' in page.get_data(as_text=True)


def test_a_messaging_service_sends_instead_of_the_number(client, httpserver, agent, twilio_messages):
    from tests.channels.test_sms import make_sms_account

    account = make_sms_account(httpserver, messaging_service_sid="MG" + "9" * 32)
    post_signed(client, account, inbound_fields("Hi"))
    reply(client, sms_tickets()[0], body="Hello!")
    [form] = twilio_messages
    assert form["MessagingServiceSid"] == "MG" + "9" * 32 and "From" not in form


def test_status_callbacks_update_the_message_and_the_desk_shows_delivered(client, sms_account, conversation,
                                                                          agent, twilio_messages):
    reply(client, conversation)
    [message] = agent_replies(conversation)
    for status in ("sent", "delivered"):
        response = post_status(client, sms_account, message.external_id, status)
        assert response.status_code == 200 and response.get_json() == {"outcome": "status"}
    late = post_status(client, sms_account, message.external_id, "sent")  # a late "sent" changes nothing
    assert late.get_json() == {"outcome": "duplicate"}
    db.session.expire_all()
    assert db.session.get(TicketMessage, message.id).delivery_status == "delivered"
    page = client.get(f"/staff/tickets/{conversation.number}").get_data(as_text=True)
    assert 'delivery-delivered' in page and "Delivered" in page
    events = db.session.scalars(select(ChannelEvent).where(ChannelEvent.kind == "status")).all()
    assert {e.outcome for e in events} == {"status"} and all(e.ticket_id == conversation.id for e in events)


def test_an_undelivered_status_shows_twilios_error_with_retry(client, sms_account, conversation, agent,
                                                              twilio_messages):
    reply(client, conversation)
    [message] = agent_replies(conversation)
    post_status(client, sms_account, message.external_id, "undelivered", ErrorCode="30003")
    page = unescape(client.get(f"/staff/tickets/{conversation.number}").get_data(as_text=True))
    assert "Not delivered: Twilio error 30003" in page and "/redeliver" in page


def test_a_status_callback_must_be_signed_and_complete(client, sms_account):
    unsigned = client.post(f"/hooks/sms/{sms_account.id}/status", data={"MessageSid": "SMx", "MessageStatus": "sent"})
    assert unsigned.status_code == 401
    incomplete = post_signed(client, sms_account, {"MessageSid": "SMx"}, path=f"/hooks/sms/{sms_account.id}/status")
    assert incomplete.status_code == 400
    unknown = post_status(client, sms_account, "SM" + "f" * 32, "delivered")
    assert unknown.status_code == 200 and unknown.get_json() == {"outcome": "ignored"}


def test_a_twilio_400_is_final_and_shown_with_retry(client, sms_account, conversation, agent, twilio_messages):
    twilio_messages.fail(400, {"code": 21211, "message": "The 'To' number +33612345678 is not a valid phone number.",
                               "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})
    page = unescape(reply(client, conversation).get_data(as_text=True))
    [message] = agent_replies(conversation)
    assert message.delivery_status == "failed" and message.external_id is None
    assert ("Not delivered: The 'To' number +33612345678 is not a valid phone number. (Twilio error 21211)"
            in page) and "/redeliver" in page
    job = db.session.scalars(select(Job).where(Job.task == "channels.deliver")).one()
    assert job.status.value == "done"  # not retried: Twilio will refuse it again

    twilio_messages.fail(201, message_resource("SM" + "e" * 32, {"To": CUSTOMER, "Body": "x", "From": NUMBER}))
    retried = client.post(f"/staff/tickets/{conversation.number}/messages/{message.id}/redeliver",
                          follow_redirects=True)
    assert "The message is queued again." in retried.get_data(as_text=True)
    db.session.expire_all()
    again = db.session.get(TicketMessage, message.id)
    assert again.delivery_status == "sent" and again.external_id == "SM" + "e" * 32 and len(twilio_messages) == 2


def test_a_twilio_5xx_is_retried(client, sms_account, conversation, agent, twilio_messages):
    twilio_messages.fail(503, {"code": 20503, "message": "Service Unavailable", "status": 503})
    reply(client, conversation)
    [message] = agent_replies(conversation)
    assert message.delivery_status == "failed" and "Service Unavailable" in message.delivery_error
    job = db.session.scalars(select(Job).where(Job.task == "channels.deliver")).one()
    assert job.status.value != "done" and job.attempts == 1 and "Service Unavailable" in (job.error or "")


# --- STOP, START and the length limit --------------------------------------------------------------------

def test_after_stop_a_reply_is_refused_on_the_composer_until_start(client, sms_account, conversation, agent,
                                                                   twilio_messages):
    post_signed(client, sms_account, inbound_fields("STOP"))
    page = unescape(client.get(f"/staff/tickets/{conversation.number}").get_data(as_text=True))
    assert "This number replied STOP: SMS replies cannot be sent until it replies START." in page
    refused = reply(client, conversation, follow=False)
    text = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and 'id="body-error"' in text
    assert "This number replied STOP: it gets no SMS from us until it replies START." in text
    assert agent_replies(conversation) == [] and twilio_messages == []

    post_signed(client, sms_account, inbound_fields("Start"))
    assert reply(client, conversation).status_code == 200
    assert len(agent_replies(conversation)) == 1 and len(twilio_messages) == 1


def test_the_composer_says_replies_go_by_sms(client, conversation, agent):
    page = unescape(client.get(f"/staff/tickets/{conversation.number}").get_data(as_text=True))
    assert f"Replies go out by SMS from {NUMBER}: at most 1600 characters, without attachments." in page


def test_a_reply_longer_than_1600_characters_is_a_field_error(client, conversation, agent, twilio_messages):
    refused = reply(client, conversation, body="a" * 1601, follow=False)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "An SMS can be at most 1600 characters; this one has 1601." in text
    assert agent_replies(conversation) == [] and twilio_messages == []
    emoji = reply(client, conversation, body="\U0001F4E6" * 801, follow=False)  # 1602 UTF-16 units
    assert emoji.status_code == 400 and agent_replies(conversation) == []
    assert reply(client, conversation, body="b" * 1600).status_code == 200 and len(twilio_messages) == 1
    note = client.post(f"/staff/tickets/{conversation.number}/messages", follow_redirects=True,
                       data={"body": "n" * 2000, "kind": "note", "version": conversation.version})
    assert note.status_code == 200  # internal notes are not sent, so not limited
