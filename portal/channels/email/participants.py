"""The Cc list of an email conversation, as agents see and change it from the composer or the CLI.

The customer's own CCs land here on ingest (threading.add_participants); outbound.reply_envelope copies
everyone on the list on each agent reply.
"""
import re
from email.utils import getaddresses, quote

from flask_babel import gettext as _

from portal.accounts.models import User
from portal.accounts.services import valid_email
from portal.channels.email import ingest, threading
from portal.channels.email.models import EmailParticipant
from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets import services as tickets
from portal.tickets.models import Channel, Ticket

MAX_CC = 10
_NEEDS_QUOTES = re.compile(r'[()<>@,;:\\".\[\]]')


def applies_to(ticket: Ticket) -> bool:
    """Email tickets have a Cc list the agent edits when replying."""
    return ticket.channel == Channel.EMAIL or ticket.mailbox_id is not None


def format_addresses(people: list[EmailParticipant]) -> str:
    """'Sam Carter <sam@example.com>, bob@example.com': the list as the composer shows it (readable, no
    RFC 2047 encoding, and parse_addresses reads it back unchanged)."""
    return ", ".join(_display(p.name, p.email) for p in people)


def _display(name: str, email: str) -> str:
    if not name:
        return email
    return f'"{quote(name)}" <{email}>' if _NEEDS_QUOTES.search(name) else f"{name} <{email}>"


def _items(values: list[str]) -> list[str]:
    """Split on commas (and semicolons, as Outlook writes them) outside quotes and <…>, so that
    "Carter, Sam" <sam@example.com> stays one address and a bad one can be named as typed."""
    items = []
    for value in values:
        current, quoted, angle, escaped = "", False, False, False
        for char in value or "":
            if escaped:
                escaped = False
            elif quoted and char == "\\":
                escaped = True
            elif char == '"':
                quoted = not quoted
            elif not quoted and char in "<>":
                angle = char == "<"
            elif not quoted and not angle and char in ",;":
                items.append(current)
                current = ""
                continue
            current += char
        items.append(current)
    return [item.strip() for item in items if item.strip()]


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """[(name, normalised email)] from strings like 'Name <a@b>, c@d', duplicates dropped (the first name
    kept). ValidationError on "cc" names the first address that is not a valid one."""
    people: dict[str, str] = {}
    for item in _items(values):
        pairs = getaddresses([item])
        if len(pairs) != 1 or not pairs[0][1]:
            raise _invalid(item)
        name, address = pairs[0]
        try:
            email = valid_email(address, field="cc")
        except ValidationError:
            raise _invalid(item) from None
        people.setdefault(email, " ".join(name.split())[:200])  # no line breaks into a header
    return [(name, email) for email, name in people.items()]


def _invalid(item: str) -> ValidationError:
    return ValidationError(_("%(address)s is not a valid email address.", address=item[:200]), field="cc")


def _never_copied(ticket: Ticket, email: str) -> bool:
    """The requester (already the recipient) and our own support addresses (a copy to ourselves loops)."""
    own = ingest._own_addresses()
    return email == (ticket.requester_email or "").lower() or email in own or ingest._base_address(email) in own


def set_participants(ticket: Ticket, addresses: list[str], *, actor: User) -> list[EmailParticipant]:
    """Make the ticket's Cc list exactly `addresses` ('Name <a@b>' strings, several per string allowed),
    silently without the requester and our own addresses; a "cc" event records a change.

    ValidationError on "cc" for an invalid address or more than MAX_CC; NotFound outside the actor's scope.
    """
    tickets._require_staff(actor, ticket)
    wanted = {email: name for name, email in parse_addresses(addresses) if not _never_copied(ticket, email)}
    if len(wanted) > MAX_CC:
        raise ValidationError(_("Copy at most %(num)d addresses.", num=MAX_CC), field="cc")
    current = {p.email: p for p in threading.participants(ticket)}
    for email, row in current.items():
        if email not in wanted:
            db.session.delete(row)
        elif wanted[email]:
            row.name = wanted[email]  # an address typed without its name keeps the one we know
    for email in wanted.keys() - current.keys():
        db.session.add(EmailParticipant(ticket_id=ticket.id, email=email, name=wanted[email]))
    if wanted.keys() != current.keys():
        tickets._touch(ticket)
        tickets._event(ticket, actor, "cc", ", ".join(sorted(current)) or None, ", ".join(sorted(wanted)) or None)
    db.session.flush()
    return threading.participants(ticket)
