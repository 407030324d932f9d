"""Finding everything that belongs to one person: their account, tickets, orders, posts and contact record."""
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from portal.accounts.models import User
from portal.channels.models import Contact, ContactIdentity
from portal.extensions import db
from portal.orders.models import Order
from portal.tickets.models import Ticket

ERASED_DOMAIN = "erased.invalid"


@dataclass
class Subject:
    """One person, by account or (a guest) by email address alone."""

    email: str
    user: User | None = None
    contacts: list[Contact] = field(default_factory=list)

    @property
    def identities(self) -> list[ContactIdentity]:
        return [identity for contact in self.contacts for identity in contact.identities]


def is_erased_address(email: str | None) -> bool:
    return (email or "").endswith("@" + ERASED_DOMAIN)


def find(email: str) -> Subject | None:
    """The person behind `email` (an account, or a guest who wrote or ordered), or None."""
    email = (email or "").strip().lower()
    if not email or "@" not in email or not email.isprintable() or is_erased_address(email):
        return None  # no stored address has a control character; an erased one is no one any more
    user = db.session.scalar(select(User).where(User.email == email))
    contacts = _contacts(user, email)
    if user is None and not contacts and not tickets(Subject(email)) and not orders(Subject(email)):
        return None
    return Subject(email=email, user=user, contacts=contacts)


def _contacts(user: User | None, email: str) -> list[Contact]:
    by_identity = select(ContactIdentity.contact_id).where(ContactIdentity.kind == "email",
                                                           ContactIdentity.value == email)
    conditions = [Contact.id.in_(by_identity)]
    if user is not None:
        conditions.append(Contact.user_id == user.id)
    return list(db.session.scalars(select(Contact).where(or_(*conditions)).order_by(Contact.id)))


def tickets(subject: Subject) -> list[Ticket]:
    """Tickets the person asked for: as the account, by address, or through their contact record."""
    conditions = [Ticket.requester_email == subject.email]
    if subject.user is not None:
        conditions.append(Ticket.requester_id == subject.user.id)
    if subject.contacts:
        conditions.append(Ticket.contact_id.in_([contact.id for contact in subject.contacts]))
    return list(db.session.scalars(select(Ticket).where(or_(*conditions)).order_by(Ticket.id)))


def orders(subject: Subject, *, include_deleted: bool = False) -> list[Order]:
    """The person's orders, by account or by the address they ordered with."""
    conditions = [Order.email == subject.email]
    if subject.user is not None:
        conditions.append(Order.customer_id == subject.user.id)
    query = select(Order).where(or_(*conditions))
    if not include_deleted:
        query = query.where(Order.deleted_at.is_(None))
    return list(db.session.scalars(query.order_by(Order.placed_at, Order.id)))
