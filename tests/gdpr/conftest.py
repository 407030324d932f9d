"""A shop with two customers who wrote, ordered and posted: what the GDPR tests export and erase."""
import io
import os
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import current_app

from portal.automation.models import CsatSurvey
from portal.channels import contacts
from portal.channels.email.models import InboundEmail
from portal.extensions import db
from portal.forum import services as forum_services
from portal.tickets import services as ticket_services
from tests.factories import make_agent, make_answer, make_order, make_question, make_store, make_ticket, make_user


@dataclass
class World:
    alice: object
    bob: object
    agent: object
    ticket: object
    bob_ticket: object
    reply: object
    note: object
    order: object
    bob_order: object
    question: object
    bob_answer: object
    comment: object
    survey: object
    inbound: object
    raw_file: str


def _raw_mail(name: str, sender: str) -> str:
    path = os.path.join(current_app.config["MAIL_RAW_PATH"], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(f"From: Alice Martin <{sender}>\r\nSubject: parcel\r\n\r\nWhere is it?\r\n".encode())
    return path


@pytest.fixture
def world(app):
    alice = make_user(email="alice@example.com", name="Alice Martin")
    bob = make_user(email="bob@example.com", name="Bob Stone")
    agent = make_agent(email="agent@example.com", name="Sam Agent")
    contact = contacts.contact_for_user(alice)
    contacts.add_identity(contact, "phone", "+33612345678")
    ticket = ticket_services.open_ticket(
        requester=alice, subject="Parcel for Alice Martin", channel="web",
        body="My parcel has not arrived. Call me on +33 6 12 34 56 78.",
        attachments=[("receipt.txt", io.BytesIO(b"receipt of order 1001"))])
    ticket.contact_id = contact.id
    reply = ticket_services.add_reply(ticket, author=agent, body="Hello Alice, we wrote to alice@example.com "
                                      "and to +33612345678: it ships on Monday with Colissimo.")
    note = ticket_services.add_note(ticket, actor=agent, body="Internal: Alice Martin asked twice, refund if late.")
    bob_ticket = make_ticket(requester=bob, subject="Bob's broken mug", body="My mug arrived broken.")
    store = make_store(name="Linen & Co")
    order = make_order(store=store, number=1001, email="alice@example.com", customer_name="Alice Martin",
                       shipped=True, shipping_address={"name": "Alice Martin", "city": "Lyon"},
                       billing_address={"name": "Alice Martin", "city": "Lyon"}, note="Leave it at the door")
    bob_order = make_order(store=store, number=2002, email="bob@example.com", customer_name="Bob Stone")
    question = make_question(author=alice, title="Which size for a linen shirt?",
                             body="I am Alice Martin, write to alice@example.com or +33 6 12 34 56 78.")
    bob_answer = make_answer(question, author=bob, body="Take one size up, Alice.")
    comment = forum_services.comment(author=alice, question=question, body="Thanks, that helped me.")
    survey = CsatSurvey(ticket_id=ticket.id, token_hash="a" * 64, rating="good", comment="Alice is happy",
                        answered_at=datetime(2026, 11, 20, 10, 0))
    raw_file = _raw_mail("2026/11/alice.eml", "alice@example.com")
    inbound = InboundEmail(message_id="<m1@example.com>", ticket_id=ticket.id, outcome="reply",
                           from_email="alice@example.com", from_name="Alice Martin", subject="Re: parcel",
                           raw_name="2026/11/alice.eml")
    db.session.add_all([survey, inbound])
    db.session.commit()
    return World(alice, bob, agent, ticket, bob_ticket, reply, note, order, bob_order, question, bob_answer,
                 comment, survey, inbound, raw_file)
