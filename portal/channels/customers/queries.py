"""Read side of customer records: a contact (following merges), their tickets in the viewer's scope, their
orders by any of their email addresses, and the search that finds a record to merge with."""
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts.models import User
from portal.channels import contacts
from portal.channels.contacts import IDENTITY_KINDS
from portal.channels.models import Contact, ContactIdentity
from portal.extensions import db
from portal.inputs import parse_id
from portal.orders.models import Order
from portal.tickets.access import staff_filter
from portal.tickets.models import CHANNEL_LABELS, Channel, Ticket

# Every identity kind is also a ticket channel: one label (and icon) for both.
IDENTITY_LABELS = {kind: CHANNEL_LABELS[Channel(kind)] for kind in IDENTITY_KINDS}


def contact_by_id(contact_id) -> Contact | None:
    """The record with this id as stored (possibly merged away), or None for a guessed or malformed id."""
    number = parse_id(contact_id)
    return db.session.get(Contact, number) if number else None


def kept(contact: Contact | None) -> Contact | None:
    """The record a merged one now lives on (itself when never merged)."""
    return contacts._live(contact)


def account_of(contact: Contact) -> User | None:
    return db.session.get(User, contact.user_id) if contact.user_id else None


def _tickets_of(contact: Contact):
    """Tickets naming the contact, one of its email addresses or its account."""
    who = [Ticket.contact_id == contact.id]
    emails = contacts.emails(contact)
    if emails:
        who.append(Ticket.requester_email.in_(emails))
    if contact.user_id:
        who.append(Ticket.requester_id == contact.user_id)
    return or_(*who)


def tickets_for(contact: Contact, viewer: User | None, limit: int = 50) -> list[Ticket]:
    """The contact's tickets on every channel, newest activity first; only those `viewer` may work on
    (all of them for the command line, where `viewer` is None)."""
    query = select(Ticket).where(_tickets_of(contact)).options(joinedload(Ticket.assignee))
    if viewer is not None:
        query = query.where(staff_filter(viewer))
    return list(db.session.scalars(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)))


def orders_for(emails: list[str], user_id: int | None, limit: int = 10, viewer=None) -> list[Order]:
    """Orders placed with any of these addresses or matched to the account, newest first (of the stores
    `viewer` may see)."""
    from portal.orders.queries import visible_to

    who = [Order.email.in_([e for e in emails if e])] if any(emails) else []
    if user_id:
        who.append(Order.customer_id == user_id)
    if not who:
        return []
    return list(db.session.scalars(
        select(Order).options(joinedload(Order.store), selectinload(Order.shipments), selectinload(Order.refunds))
        .where(or_(*who), Order.deleted_at.is_(None), *visible_to(viewer)).order_by(Order.placed_at.desc()).limit(limit)))


def orders_of(contact: Contact, limit: int = 10, viewer=None) -> list[Order]:
    return orders_for(contacts.emails(contact), contact.user_id, limit, viewer=viewer)


def search(q: str, *, exclude: Contact | None = None, limit: int = 20) -> list[Contact]:
    """Records (never merged ones) whose name, email or phone matches `q`: emails and numbers by their start."""
    q = (q or "").strip()[:200]
    if len(q) < 2:
        return []
    starts = {contacts.normalize("email", q), contacts.normalize("phone", q)}
    by_identity = select(ContactIdentity.contact_id).where(or_(*(
        ContactIdentity.value.like(f"{_escape(value)}%", escape="\\") for value in starts if value)))
    query = (select(Contact).options(selectinload(Contact.identities))
             .where(Contact.merged_into_id.is_(None),
                    or_(Contact.id.in_(by_identity), Contact.name.like(f"%{_escape(q)}%", escape="\\")))
             .order_by(Contact.name, Contact.id).limit(limit))
    if exclude is not None:
        query = query.where(Contact.id != exclude.id)
    return list(db.session.scalars(query))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
