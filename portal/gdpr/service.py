"""Personal data services: every entry point (portal, manager page, CLI, worker) calls these.

Services flush; the caller commits. They raise portal.errors domain errors with the field when there is one.
"""
import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.accounts.models import Role, User
from portal.accounts.services import password_matches
from portal.audit.models import AuditEvent
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.gdpr import erasure, export, retention, subjects
from portal.mail import queue_email

REQUESTED = "gdpr.erasure_requested"
ERASED = "gdpr.erased"
EXPORTED = "gdpr.exported"


def _fingerprint(email: str) -> str:
    """Kept in the audit log instead of the address, to tell a second erasure of the same person."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def find_subject(email: str) -> subjects.Subject:
    """The person behind `email`; NotFound when nothing we hold has that address."""
    subject = subjects.find(email)
    if subject is None:
        raise NotFound(_("No customer with that email address."), field="email")
    return subject


def export_data(*, email: str, actor=None) -> bytes:
    """The person's data export as zip bytes (data.json and their attachments); recorded in the audit log."""
    subject = find_subject(email)
    if subject.user is not None and subject.user.is_staff:
        raise ValidationError(_("Only customers' data is exported here."), field="email")
    document, files = export.collect(subject)
    audit.record(actor, EXPORTED, target=subject.user or subject.email,
                 details={"tickets": len(document["tickets"]), "orders": len(document["orders"]),
                          "attachments": len(files)})
    return export.as_bytes(document, files)


def request_erasure(*, user: User, password: str) -> AuditEvent:
    """A customer asks to be erased, confirmed with their password; managers see it at /staff/gdpr.
    Asking again while a request waits changes nothing."""
    if user.role != Role.CUSTOMER:
        raise ValidationError(_("Staff accounts cannot ask for erasure here: ask a manager."))
    if not password_matches(user, password):
        raise ValidationError(_("Your password is incorrect."), field="password")
    waiting = pending_request(user)
    return waiting or audit.record(user, REQUESTED, target=user)


def pending_request(user: User) -> AuditEvent | None:
    """The customer's erasure request that no erasure has answered yet, if any."""
    return db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == REQUESTED, AuditEvent.target_type == "user",
        AuditEvent.target_id == str(user.id)).order_by(AuditEvent.id.desc()).limit(1)) \
        if not subjects.is_erased_address(user.email) else None


@dataclass
class PendingRequest:
    event: AuditEvent
    user: User


def pending_requests() -> list[PendingRequest]:
    """Erasure requests waiting for a manager, oldest first (accounts already erased drop out)."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == REQUESTED,
                                                         AuditEvent.target_type == "user").order_by(AuditEvent.id))
    waiting = {}
    for event in events:
        user = db.session.get(User, int(event.target_id)) if event.target_id.isdigit() else None
        if user is not None and not subjects.is_erased_address(user.email) and user.id not in waiting:
            waiting[user.id] = PendingRequest(event=event, user=user)
    return list(waiting.values())


def already_erased(email: str) -> bool:
    return db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == ERASED, AuditEvent.details["email_sha256"].as_string() == _fingerprint(email))
        .limit(1)) is not None


def erase(*, email: str, actor=None) -> dict:
    """Erase the person behind `email` (see docs in portal/gdpr/erasure.py); returns what changed.
    A person erased before gives {"already_erased": True}; NotFound for an address we never held."""
    subject = subjects.find(email)
    if subject is None:
        if email.isprintable() and already_erased(email):
            return {"already_erased": True}
        raise NotFound(_("No customer with that email address."), field="email")
    if subject.user is not None and subject.user.is_staff:
        raise ValidationError(_("This is a staff account: remove it from the team instead."), field="email")
    tickets, orders = subjects.tickets(subject), subjects.orders(subject, include_deleted=True)
    locale = getattr(subject.user, "locale", None)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # stored words: the site's language
        plan = erasure.plan(subject, tickets, orders)
        erasure.tickets(plan, tickets)
    erasure.mail_originals(plan, subject, [ticket.id for ticket in tickets])
    erasure.chats(subject, [ticket.id for ticket in tickets])
    erasure.orders(plan, orders)
    erasure.community(plan, subject.user)
    erasure.person(plan, subject)
    db.session.flush()
    _mail_erased(subject.email, locale)
    audit.record(actor, ERASED, target=subject.user or plan.label,
                 details={**plan.counts, "email_sha256": _fingerprint(subject.email)})
    return {"already_erased": False, "label": plan.label, **plan.counts}


def _mail_erased(email: str, locale: str | None) -> None:
    """Tell the person it is done, in their language, at the address they had (sent after the commit)."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        queue_email(to=email, template="gdpr_erased", subject=_("Your personal data was erased"))


def apply_retention(*, dry_run: bool = False) -> dict:
    """Anonymise old closed tickets, forget old webhook payloads and mail originals (per the config);
    with `dry_run`, only say how many would go: {"tickets": [numbers], "payloads": n, "mail_originals": n}."""
    tickets = retention.old_tickets()
    originals = retention.old_mail_originals()
    result = {"tickets": [ticket.number for ticket in tickets], "payloads": retention.old_payload_count(),
              "mail_originals": len(originals)}
    if dry_run:
        return result
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for ticket in tickets:
            retention.anonymise_ticket(ticket)
    for record in originals:
        retention.forget_mail_original(record)
    result["payloads"] = retention.purge_payloads()
    if tickets or originals or result["payloads"]:
        audit.record(None, "gdpr.retention_applied", target="retention",
                     details={"tickets": len(tickets), "payloads": result["payloads"],
                              "mail_originals": len(originals)})
    db.session.flush()
    return result
