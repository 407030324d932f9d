"""Replies out through a real HTTP server speaking the Graph API: an agent answers from the desk, the
worker (immediate here) posts Meta's JSON and keeps the message id; the 24-hour window and WhatsApp
templates are enforced in the composer; Graph refusals show as "Not delivered" with Retry."""
import json
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug import Response

from portal.extensions import db
from portal.jobs.models import Job, JobStatus
from portal.tickets.models import AuthorKind, TicketMessage
from tests.channels.test_meta_payloads import (  # noqa: F401  (fixtures)
    ACCESS_TOKEN, CUSTOMER, IG_ID, IGSID, PHONE_ID, PSID, fb_account, ig_account, messages_of, messaging,
    ms_message, post, tickets, wa_account, wa_text, whatsapp)
from tests.factories import make_agent

_counter = iter(range(1, 10_000))


class Graph(list):
    """What the fake Graph API received (JSON bodies); `fail(status, body)` makes the next calls answer that."""

    def __init__(self):
        super().__init__()
        self.failure = {}

    def fail(self, status, body):
        self.failure.clear()
        self.failure.update(status=status, body=body)


def _handler(graph, answer):
    def handle(request):
        assert request.headers.get("Authorization") == f"Bearer {ACCESS_TOKEN}"
        assert request.headers.get("Content-Type") == "application/json"
        graph.append(json.loads(request.get_data()))
        if graph.failure:
            return Response(json.dumps(graph.failure["body"]), status=graph.failure["status"],
                            content_type="application/json")
        return Response(json.dumps(answer(graph[-1])), status=200, content_type="application/json")
    return handle


@pytest.fixture
def wa_graph(httpserver):
    """POST /v19.0/{phone number id}/messages, answering as the Cloud API does."""
    graph = Graph()
    httpserver.expect_request(f"/v19.0/{PHONE_ID}/messages", method="POST").respond_with_handler(_handler(
        graph, lambda body: {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": CUSTOMER}],
                             "messages": [{"id": f"wamid.OUT{next(_counter)}"}]}))
    return graph


@pytest.fixture
def page_graph(httpserver):
    """POST /v19.0/me/messages (Messenger and Instagram), answering recipient_id and message_id."""
    graph = Graph()
    httpserver.expect_request("/v19.0/me/messages", method="POST").respond_with_handler(_handler(
        graph, lambda body: {"recipient_id": body["recipient"]["id"], "message_id": f"m_out_{next(_counter)}"}))
    return graph


@pytest.fixture
def agent(app, login):
    user = make_agent(scope="all", email="agent@shop.example", name="Alex Agent")
    login(user.email)
    return user


@pytest.fixture
def wa_ticket(client, wa_account):  # noqa: F811
    post(client, wa_account, whatsapp([wa_text("Does it come in another color?")]))
    return tickets()[0]


def reply(client, ticket, body="Yes, in blue and in green.", template=None, follow=True):
    db.session.refresh(ticket)
    data = {"body": body, "kind": "public", "version": ticket.version}
    if template is not None:
        data["template"] = template
    return client.post(f"/staff/tickets/{ticket.number}/messages", data=data, follow_redirects=follow)


def agent_messages(ticket) -> list[TicketMessage]:
    return [m for m in messages_of(ticket) if m.author_kind == AuthorKind.AGENT]


def age_the_conversation(ticket, hours=25):
    for message in messages_of(ticket):
        message.created_at -= timedelta(hours=hours)
    db.session.commit()


# --- sending ------------------------------------------------------------------------------------

def test_an_agent_reply_goes_out_as_whatsapp_text_and_keeps_the_wamid(client, agent, wa_ticket, wa_graph):
    page = unescape(reply(client, wa_ticket).get_data(as_text=True))
    assert "Reply sent." in page
    assert wa_graph == [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
                         "type": "text", "text": {"preview_url": False, "body": "Yes, in blue and in green."}}]
    [message] = agent_messages(wa_ticket)
    assert message.external_id.startswith("wamid.OUT") and message.delivery_status == "sent"
    assert "Sent" in unescape(client.get(f"/staff/tickets/{wa_ticket.number}").get_data(as_text=True))


def test_inside_the_window_the_composer_says_until_when(client, agent, wa_ticket):
    page = unescape(client.get(f"/staff/tickets/{wa_ticket.number}").get_data(as_text=True))
    assert "The 24-hour window is open until" in page


def test_a_messenger_reply_goes_to_me_messages_with_the_page_token(client, agent, fb_account, page_graph):
    post(client, fb_account, messaging([ms_message("hello, world!")]))
    [ticket] = tickets()
    reply(client, ticket, body="Hello! How can we help?")
    assert page_graph == [{"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                           "message": {"text": "Hello! How can we help?"}}]
    [message] = agent_messages(ticket)
    assert message.external_id.startswith("m_out_") and message.delivery_status == "sent"
    page = unescape(client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True))
    assert "Messenger allows replies for 24 hours after the customer's last message: open until" in page


def test_an_instagram_reply_goes_to_the_instagram_user(client, agent, ig_account, page_graph):
    post(client, ig_account, messaging([ms_message("Still available?", sender=IGSID, recipient=IG_ID)],
                                       kind="instagram"))
    [ticket] = tickets()
    reply(client, ticket, body="Yes, size M is left.")
    assert page_graph[0]["recipient"] == {"id": IGSID} and page_graph[0]["message"] == {"text": "Yes, size M is left."}
    assert agent_messages(ticket)[0].delivery_status == "sent"


def test_a_long_messenger_reply_is_sent_in_parts_of_2000_characters(client, agent, fb_account, page_graph):
    post(client, fb_account, messaging([ms_message("hello")]))
    words = " ".join(["parcel"] * 700)  # 4,899 characters
    reply(client, tickets()[0], body=words)
    assert len(page_graph) == 3 and all(len(b["message"]["text"]) <= 2000 for b in page_graph)
    assert " ".join(b["message"]["text"] for b in page_graph) == words


# --- the 24-hour window ---------------------------------------------------------------------------

def test_outside_the_window_the_composer_offers_only_templates(client, agent, wa_ticket):
    age_the_conversation(wa_ticket)
    page = unescape(client.get(f"/staff/tickets/{wa_ticket.number}").get_data(as_text=True))
    assert "The 24-hour window closed at" in page and "only an approved template can be sent" in page
    assert '<option value="order_update|en_US">order_update (en_US): Hello, about your order: {{1}}</option>' in page
    assert 'value="hello_world|en_US"' in page


def test_outside_the_window_a_plain_reply_is_refused_and_nothing_is_stored(client, agent, wa_ticket, wa_graph):
    age_the_conversation(wa_ticket)
    answer = reply(client, wa_ticket, follow=False)
    page = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 400
    assert 'id="template-error"' in page and "The 24-hour window closed at" in page
    assert agent_messages(wa_ticket) == [] and wa_graph == []


def test_outside_the_window_a_template_reply_is_sent_as_a_template(client, agent, wa_ticket, wa_graph):
    age_the_conversation(wa_ticket)
    answer = reply(client, wa_ticket, body="Your parcel\nleaves today.", template="order_update|en_US")
    assert "Reply sent." in unescape(answer.get_data(as_text=True))
    assert wa_graph == [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
                         "type": "template", "template": {
                             "name": "order_update", "language": {"code": "en_US"},
                             "components": [{"type": "body", "parameters": [
                                 {"type": "text", "text": "Your parcel leaves today."}]}]}}]
    [message] = agent_messages(wa_ticket)
    assert message.meta == {"template": "order_update|en_US"} and message.delivery_status == "sent"


def test_a_template_without_placeholder_is_sent_without_parameters(client, agent, wa_ticket, wa_graph):
    age_the_conversation(wa_ticket)
    reply(client, wa_ticket, template="hello_world|en_US")
    assert wa_graph[0]["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


def test_a_template_the_number_does_not_have_is_refused(client, agent, wa_ticket, wa_graph):
    answer = reply(client, wa_ticket, template="made_up|en_US", follow=False)
    assert answer.status_code == 400
    assert "Choose one of the approved templates of this WhatsApp number." in unescape(answer.get_data(as_text=True))
    assert agent_messages(wa_ticket) == [] and wa_graph == []


def test_a_customer_message_opens_the_window_again(client, agent, wa_account, wa_ticket, wa_graph):
    age_the_conversation(wa_ticket)
    post(client, wa_account, whatsapp([wa_text("Hello again")]))
    assert reply(client, wa_ticket, follow=False).status_code == 302
    assert wa_graph[0]["type"] == "text"


def test_messenger_outside_its_24_hours_is_refused(client, agent, fb_account, page_graph):
    post(client, fb_account, messaging([ms_message("hello")]))
    [ticket] = tickets()
    age_the_conversation(ticket)
    page = unescape(client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True))
    assert "Messenger allows replies only within 24 hours of the customer's last message; that window closed" in page
    answer = reply(client, ticket, follow=False)
    assert answer.status_code == 400 and 'id="body-error"' in answer.get_data(as_text=True)
    assert agent_messages(ticket) == [] and page_graph == []


# --- refusals -----------------------------------------------------------------------------------

def test_a_graph_400_shows_not_delivered_with_retry(client, agent, wa_ticket, wa_graph):
    wa_graph.fail(400, {"error": {"message": "(#131030) Recipient phone number not in allowed list",
                                  "type": "OAuthException", "code": 131030,
                                  "error_data": {"messaging_product": "whatsapp",
                                                 "details": "Recipient phone number not in allowed list"},
                                  "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}})
    page = unescape(reply(client, wa_ticket).get_data(as_text=True))
    assert "Not delivered: (#131030) Recipient phone number not in allowed list [code 131030]" in page
    [message] = agent_messages(wa_ticket)
    assert message.delivery_status == "failed"
    assert f"/staff/tickets/{wa_ticket.number}/messages/{message.id}/redeliver" in page and ">Retry<" in page
    job = db.session.scalar(select(Job).where(Job.task == "channels.deliver"))
    assert job.status == JobStatus.DONE  # permanent: not retried by itself

    wa_graph.failure.clear()
    client.post(f"/staff/tickets/{wa_ticket.number}/messages/{message.id}/redeliver")
    db.session.expire_all()
    assert db.session.get(TicketMessage, message.id).delivery_status == "sent" and len(wa_graph) == 2


def test_a_graph_5xx_is_retried_later(client, agent, wa_ticket, wa_graph):
    wa_graph.fail(503, {"error": {"message": "Service temporarily unavailable", "code": 2}})
    reply(client, wa_ticket)
    [message] = agent_messages(wa_ticket)
    assert message.delivery_status == "failed" and "Service temporarily unavailable" in message.delivery_error
    job = db.session.scalar(select(Job).where(Job.task == "channels.deliver"))
    assert job.status == JobStatus.QUEUED and job.attempts == 1  # the worker tries again after a backoff


def test_a_graph_that_cannot_be_reached_is_retried_later(client, agent, wa_account, wa_ticket):
    wa_account.settings = {**wa_account.settings, "graph_url": "http://127.0.0.1:9/v19.0"}
    db.session.commit()
    reply(client, wa_ticket)
    [message] = agent_messages(wa_ticket)
    assert message.delivery_status == "failed" and "Meta could not be reached" in message.delivery_error
    assert db.session.scalar(select(Job).where(Job.task == "channels.deliver")).status == JobStatus.QUEUED
