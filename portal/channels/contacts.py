"""Customer records across channels: one contact holds an account, email addresses, phone numbers and
social ids; messages from any of them land on that contact, and staff can merge two records."""
import re

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.channels.models import Contact, ContactIdentity
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow

IDENTITY_KINDS = ("email", "phone", "whatsapp", "messenger", "instagram", "chat")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize(kind: str, value: str) -> str:
    """The stored form: lower-case email, E.164 phone numbers (WhatsApp ids are phone numbers too)."""
    value = (value or "").strip()
    if kind == "email":
        return value.lower()
    if kind in ("phone", "whatsapp"):
        digits = re.sub(r"[\s().\-]", "", value)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not digits.startswith("+") and digits.isdigit():
            digits = "+" + digits
        return digits
    return value


def valid_phone(value: str) -> str:
    """An E.164 number or a ValidationError saying what is wrong."""
    number = normalize("phone", value)
    if not E164.match(number):
        raise ValidationError(_("Enter a phone number in international form, such as +33612345678."), field="number")
    return number


def find(kind: str, value: str) -> Contact | None:
    identity = db.session.scalar(select(ContactIdentity).where(ContactIdentity.kind == kind,
                                                               ContactIdentity.value == normalize(kind, value)))
    return _live(identity.contact) if identity else None


def _live(contact: Contact | None) -> Contact | None:
    """Follow merges to the record that is kept."""
    seen = 0
    while contact is not None and contact.merged_into_id and seen < 20:
        contact, seen = db.session.get(Contact, contact.merged_into_id), seen + 1
    return contact


def contact_for(kind: str, value: str, *, name: str = "", user=None) -> Contact:
    """The contact reached at (kind, value), created with that identity when new."""
    if kind not in IDENTITY_KINDS:
        raise ValidationError(_("Unknown identity type."), field="kind")
    value = normalize(kind, value)
    contact = find(kind, value)
    if contact is None and user is not None:
        contact = contact_for_user(user)
    if contact is None and kind == "email":
        contact = _from_account(value)
    if contact is None:
        contact = Contact(name=(name or "").strip()[:120])
        db.session.add(contact)
        db.session.flush()
    if not any(i.kind == kind and i.value == value for i in contact.identities):
        add_identity(contact, kind, value)
    if name and not contact.name:
        contact.name = name.strip()[:120]
    return contact


def _from_account(email: str) -> Contact | None:
    from portal.accounts.queries import user_by_email

    user = user_by_email(email)
    return contact_for_user(user) if user is not None and user.email_verified else None


def contact_for_user(user) -> Contact:
    """A customer account's contact (created on first use, holding the account's email)."""
    contact = db.session.scalar(select(Contact).where(Contact.user_id == user.id))
    if contact is None:
        contact = find("email", user.email)
        if contact is not None and contact.user_id is None:
            contact.user_id = user.id
        else:
            contact = Contact(name=user.name or "", user_id=user.id)
            db.session.add(contact)
            db.session.flush()
            if find("email", user.email) is None:
                add_identity(contact, "email", user.email)
    return _live(contact)


def add_identity(contact: Contact, kind: str, value: str) -> ContactIdentity:
    """Give a contact one more way to be reached; an identity already on another contact is refused."""
    value = normalize(kind, value)
    owner = db.session.scalar(select(ContactIdentity).where(ContactIdentity.kind == kind,
                                                            ContactIdentity.value == value))
    if owner is not None:
        if owner.contact_id == contact.id:
            return owner
        raise ValidationError(_("%(value)s already belongs to another customer; merge the two instead.",
                                value=value), field="value")
    identity = ContactIdentity(contact_id=contact.id, kind=kind, value=value)
    db.session.add(identity)
    db.session.flush()
    if identity not in contact.identities:
        contact.identities.append(identity)
    return identity


def emails(contact: Contact | None) -> list[str]:
    return [i.value for i in contact.identities if i.kind == "email"] if contact else []


def of_ticket(ticket) -> Contact | None:
    """The ticket's customer record: its contact, else the one its requester's email names (if any)."""
    contact = db.session.get(Contact, ticket.contact_id) if ticket.contact_id else None
    if contact is None and ticket.requester_email:
        contact = find("email", ticket.requester_email)
    return _live(contact)


def merge(source: Contact, target: Contact, *, actor) -> Contact:
    """Fold `source` into `target`: identities, tickets and the account move; orders follow the emails."""
    from portal.tickets.models import Ticket

    if source.id == target.id:
        raise ValidationError(_("Choose two different customers."), field="target")
    if source.user_id and target.user_id:
        raise ValidationError(_("Both customers have an account; they cannot be merged."), field="target")
    for identity in list(source.identities):
        identity.contact_id = target.id
    db.session.execute(update(Ticket).where(Ticket.contact_id == source.id).values(contact_id=target.id))
    addresses = [i.value for i in source.identities if i.kind == "email"]
    if addresses:  # the tickets of the source's email addresses now name the kept record too
        db.session.execute(update(Ticket).where(Ticket.requester_email.in_(addresses), Ticket.contact_id.is_(None))
                           .values(contact_id=target.id))
    if source.user_id and not target.user_id:
        user_id, source.user_id = source.user_id, None
        db.session.flush()  # the account id is unique: off the source before it is on the target
        target.user_id = user_id
    target.name = target.name or source.name
    source.merged_into_id, target.updated_at = target.id, utcnow()
    db.session.flush()
    db.session.expire(target, ["identities"])
    db.session.expire(source, ["identities"])
    return target
