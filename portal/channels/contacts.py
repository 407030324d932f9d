"""Customer records across channels: one contact holds an account, email addresses, phone numbers and
social ids; messages from any of them land on that contact, and staff can merge two records."""
import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.channels.models import Contact, ContactIdentity
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow

IDENTITY_KINDS = ("email", "phone", "whatsapp", "messenger", "instagram", "chat")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")  # ASCII digits only
TRUNK = re.compile(r"(?<=\d)\s*\(0\)")
MAX_VALUE = 254


def normalize(kind: str, value: str) -> str:
    """The stored form: lower-case email, E.164 phone numbers (WhatsApp ids are phone numbers too)."""
    value = (value or "").strip()
    if kind == "email":
        return value.lower()
    if kind in ("phone", "whatsapp"):
        value = unicodedata.normalize("NFKC", value)  # full-width "＋３３" as typed on some phones
        # "+33 (0)6 12 34 56 78": the national trunk 0 written after the country code is not dialled.
        digits = re.sub(r"[\s().\-/]", "", TRUNK.sub("", value))
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not digits.startswith("+") and digits.isascii() and digits.isdigit():
            digits = "+" + digits
        return digits
    return value


def valid_phone(value: str) -> str:
    """An E.164 number or a ValidationError saying what is wrong."""
    number = normalize("phone", value)
    if not E164.match(number):
        raise ValidationError(_("Enter a phone number in international form, such as +33612345678."), field="number")
    return number


def checked(kind: str, value: str) -> str:
    """The stored form of an identity typed by staff, or a ValidationError on "kind" or "value"."""
    from portal.accounts.services import valid_email

    if kind not in IDENTITY_KINDS:
        raise ValidationError(_("Unknown identity type."), field="kind")
    if kind == "email":
        return valid_email(value, field="value")
    if kind in ("phone", "whatsapp"):
        try:
            return valid_phone(value)
        except ValidationError as exc:
            raise ValidationError(exc.message, field="value") from None
    value = normalize(kind, value)
    if not value:
        raise ValidationError(_("Enter a value."), field="value")
    if len(value) > MAX_VALUE:
        raise ValidationError(_("At most %(num)d characters.", num=MAX_VALUE), field="value")
    return value


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


def contact_for(kind: str, value: str, *, name: str = "", user=None, account_checked: bool = False) -> Contact:
    """The contact reached at (kind, value), created with that identity when new.

    `account_checked`: the caller already looked the address up among accounts (and passes `user` if one
    is verified), so that lookup is not made twice."""
    if kind not in IDENTITY_KINDS:
        raise ValidationError(_("Unknown identity type."), field="kind")
    value = normalize(kind, value)
    if not value or len(value) > MAX_VALUE:  # refused before anything is written
        raise ValidationError(_("Enter a value."), field="value")
    contact = find(kind, value)
    if contact is not None and user is not None:
        _claim(contact, user, kind, value)
    if contact is None and user is not None:
        contact = contact_for_user(user)
    if contact is None and kind == "email" and not account_checked:
        contact = _from_account(value)
    if contact is None:  # new: the identity is known to be free (find() just said so; the unique index guards)
        contact = Contact(name=(name or "").strip()[:120])
        contact.identities.append(ContactIdentity(kind=kind, value=value))
        db.session.add(contact)
        db.session.flush()
        return contact
    if not any(i.kind == kind and i.value == value for i in contact.identities):
        add_identity(contact, kind, value)
    if name and not contact.name:
        contact.name = name.strip()[:120]
    return contact


def _claim(contact: Contact, user, kind: str, value: str) -> None:
    """A verified account takes the record of its own address (a guest's tickets before it signed up)."""
    if contact.user_id is None and kind == "email" and value == user.email and user.email_verified \
            and db.session.scalar(select(Contact.id).where(Contact.user_id == user.id)) is None:
        contact.user_id = user.id


def _from_account(email: str) -> Contact | None:
    from portal.accounts.queries import user_by_email

    user = user_by_email(email)
    return contact_for_user(user) if user is not None and user.email_verified else None


def contact_for_user(user) -> Contact:
    """A customer account's contact (created on first use, holding the account's email)."""
    contact = db.session.scalar(select(Contact).where(Contact.user_id == user.id))
    if contact is None:
        # Until the address is verified, anyone could have typed it: it names no one's record yet.
        verified = bool(getattr(user, "email_verified", False))
        contact = find("email", user.email) if verified else None
        if contact is not None and contact.user_id is None:
            contact.user_id = user.id
        else:
            contact = Contact(name=user.name or "", user_id=user.id)
            db.session.add(contact)
            db.session.flush()
            if verified and find("email", user.email) is None:
                add_identity(contact, "email", user.email)
    return _live(contact)


def add_identity(contact: Contact, kind: str, value: str) -> ContactIdentity:
    """Give a contact one more way to be reached; an identity already on another contact is refused."""
    if kind not in IDENTITY_KINDS:
        raise ValidationError(_("Unknown identity type."), field="kind")
    value = normalize(kind, value)
    if not value or len(value) > MAX_VALUE:  # an empty sender would join every such message to one record
        raise ValidationError(_("Enter a value."), field="value")
    contact = _live(contact)
    owner = db.session.scalar(select(ContactIdentity).where(ContactIdentity.kind == kind,
                                                            ContactIdentity.value == value))
    if owner is not None:
        if owner.contact_id == contact.id or _live(owner.contact).id == contact.id:
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
    if source.merged_into_id or target.merged_into_id:
        raise ValidationError(_("This customer was already merged into another one."), field="target")
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


def create_contact(*, name: str, identities) -> Contact:
    """A new customer record typed by staff (the REST API), with its identities [(kind, value)].

    Raises ValidationError on a bad value, Conflict when an identity already names a record (merge instead)."""
    from portal.errors import Conflict

    name = " ".join((name or "").split())[:120]
    wanted = [(kind, checked(kind, value)) for kind, value in identities]
    if not name and not wanted:
        raise ValidationError(_("Give a name or a way to reach the customer."), field="name")
    for kind, value in wanted:
        if find(kind, value) is not None or (kind == "email" and _from_account(value) is not None):
            raise Conflict(_("%(value)s already belongs to another customer; merge the two instead.",
                             value=value), field="identities")
    contact = Contact(name=name)
    db.session.add(contact)
    db.session.flush()
    for kind, value in dict.fromkeys(wanted):
        add_identity(contact, kind, value)
    return contact


def rename(contact: Contact, name: str) -> None:
    """Change the name on a customer's record."""
    contact = _live(contact)
    contact.name, contact.updated_at = " ".join((name or "").split())[:120], utcnow()
    db.session.flush()
