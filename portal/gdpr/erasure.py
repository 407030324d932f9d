"""Erasing a person: anonymise what others still need, delete the rest (see service.erase).

Why this shape: their ticket messages are private words about them, so they are replaced whole (Zendesk
redacts on request too); the team's replies and notes stay, with the person's name, addresses and phone
numbers taken out, so colleagues can still read the thread. Community posts were published for others
and answered by them, so they stay under "Erased customer #N" with every address and phone number removed.
"""
import os
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from portal import search_sync
from portal.accounts.models import LoginAttempt, RecoveryCode
from portal.automation.models import CsatSurvey
from portal.channels.email import ingest as mail_ingest
from portal.channels.email.models import EmailParticipant, InboundEmail
from portal.channels.models import ChatEvent, ChatSession, ContactIdentity
from portal.extensions import db
from portal.forum.models import Answer, Comment, Question
from portal.gdpr import subjects
from portal.gdpr.redaction import name_parts, redact
from portal.tickets import attachments as ticket_files
from portal.tickets.models import AuthorKind, TicketAttachment, TicketMessage


@dataclass
class Erasure:
    """What erasing one person changes: their label, the names and identifiers to take out of text."""

    label: str
    address: str
    identifiers: list[str]
    names: list[str]
    counts: dict = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def scrub(self, text, *, generic=False):
        return redact(text, identifiers=self.identifiers, names=self.names, label=self.label, generic=generic)


def plan(subject: subjects.Subject, tickets, orders) -> Erasure:
    """The person's replacement label and erased address, and what to look for in text."""
    if subject.user is not None:
        number, address = subject.user.id, f"erased-{subject.user.id}@{subjects.ERASED_DOMAIN}"
    else:
        number = subject.contacts[0].id if subject.contacts else (tickets[0].id if tickets else orders[0].id)
        address = f"erased-guest-{number}@{subjects.ERASED_DOMAIN}"
    names = [getattr(subject.user, "name", "")] + [c.name for c in subject.contacts]
    names += [t.requester_name for t in tickets] + [o.customer_name for o in orders]
    identifiers = [subject.email] + [identity.value for identity in subject.identities]
    return Erasure(label=_("Erased customer #%(number)d", number=number), address=address,
                   identifiers=identifiers, names=name_parts(names))


def remove_attachment(attachment: TicketAttachment) -> None:
    ticket_files.delete(attachment)
    db.session.delete(attachment)


def tickets(erasure: Erasure, rows) -> None:
    """Requester fields replaced; the person's messages emptied; their names taken out of other messages."""
    placeholder = _("This message was erased at the customer's request.")
    for ticket in rows:
        ticket.requester_email, ticket.requester_name, ticket.channel_address = erasure.address, erasure.label, None
        ticket.subject = erasure.scrub(ticket.subject)[:200]
        for message in db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)):
            if message.author_kind == AuthorKind.CUSTOMER:
                for attachment in list(message.attachments):
                    remove_attachment(attachment)
                    erasure.count("attachments")
                message.body, message.body_html, message.meta = placeholder, None, None
                erasure.count("messages")
            else:
                message.body, message.body_html = erasure.scrub(message.body), erasure.scrub(message.body_html)
        erasure.count("tickets")
    ids = [ticket.id for ticket in rows]
    if ids:
        db.session.execute(delete(EmailParticipant).where(EmailParticipant.ticket_id.in_(ids),
                                                          EmailParticipant.email.in_(erasure.identifiers)))
        for survey in db.session.scalars(select(CsatSurvey).where(CsatSurvey.ticket_id.in_(ids))):
            survey.comment = None  # the rating stays in the team's figures; the words were the person's


def mail_originals(erasure: Erasure, subject: subjects.Subject, ticket_ids) -> None:
    """The raw messages they sent are deleted; the record keeps only that a message came."""
    conditions = [InboundEmail.from_email == subject.email]
    if ticket_ids:
        conditions.append(InboundEmail.ticket_id.in_(ticket_ids))
    for record in db.session.scalars(select(InboundEmail).where(or_(*conditions))):
        path = mail_ingest.raw_path(record)
        if path and os.path.isfile(path):
            os.remove(path)
            erasure.count("mail_originals")
        record.raw_name = None
        if record.from_email == subject.email:
            record.from_email, record.from_name, record.reply_to = erasure.address, "", None
        record.subject = erasure.scrub(record.subject)[:400]


def chats(subject: subjects.Subject, ticket_ids) -> None:
    """Chat sessions lose the visitor's details and their live events (the transcript is on the ticket)."""
    conditions = [ChatSession.visitor_email == subject.email]
    if subject.user is not None:
        conditions.append(ChatSession.user_id == subject.user.id)
    if ticket_ids:
        conditions.append(ChatSession.ticket_id.in_(ticket_ids))
    for session in db.session.scalars(select(ChatSession).where(or_(*conditions))):
        session.visitor_name, session.visitor_email, session.page_url, session.user_id = "", None, None, None
        db.session.execute(delete(ChatEvent).where(ChatEvent.session_id == session.id))


def orders(erasure: Erasure, rows) -> None:
    """ORDERS_KEEP_FOR_ACCOUNTING keeps number, date, items and totals without the person; otherwise delete."""
    keep = current_app.config["ORDERS_KEEP_FOR_ACCOUNTING"]
    for order in rows:
        if keep:
            order.email, order.customer_name, order.customer_id = "", "", None
            order.shipping_address, order.billing_address, order.note = {}, {}, None
        else:
            db.session.delete(order)
        erasure.count("orders")


def community(erasure: Erasure, user) -> None:
    """Their posts stay for the people who read and answered them, under the erased name and without
    addresses, phone numbers or their name in the text."""
    if user is None:
        return
    for model in (Question, Answer, Comment):
        for post in db.session.scalars(select(model).where(model.author_id == user.id)):
            post.body, post.ip = erasure.scrub(post.body, generic=True), None
            if model is Question:
                post.title = erasure.scrub(post.title, generic=True)[:200]
            # The search index holds the old text: re-index the question (and the answer) after the commit.
            search_sync.schedule("question", post.id if model is Question else post.question_id)
            if model is Answer:
                search_sync.schedule("answer", post.id)
            erasure.count("posts")


def person(erasure: Erasure, subject: subjects.Subject) -> None:
    """Contact records keep only the label; the account can no longer log in and holds nothing personal."""
    for contact in subject.contacts:
        contact.name = erasure.label
        db.session.execute(delete(ContactIdentity).where(ContactIdentity.contact_id == contact.id))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == subject.email))
    user = subject.user
    if user is None:
        return
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.email, user.name, user.password_hash, user.active = erasure.address, erasure.label, None, False
    user.locale = user.email_verified_at = user.last_login_at = None
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.session_epoch = (user.session_epoch or 0) + 1
