"""Mailboxes: create and change them (IMAP password encrypted at rest), test them, poll them."""
import secrets
from datetime import date

from flask_babel import gettext as _

from portal.accounts.services import valid_email
from portal.channels.email.models import Mailbox
from portal.errors import ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.orders import crypto
from portal.tickets.models import TicketGroup

SECURITY = ("ssl", "starttls", "none")
ACTIONS = ("flag", "move")


def save_mailbox(mailbox: Mailbox | None = None, *, name: str, address: str, from_name: str = "",
                 group_id: int | None = None, imap_host: str | None = None, imap_port: int | None = None,
                 imap_security: str = "ssl", imap_username: str | None = None, imap_password: str | None = None,
                 imap_folder: str = "INBOX", processed_action: str = "flag", processed_folder: str = "Processed",
                 enabled: bool = True) -> Mailbox:
    """Create or update a mailbox; an empty password keeps the stored one. ValidationError names the field."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the mailbox a name."), field="name")
    address = valid_email(address)
    other = db.session.query(Mailbox).filter(Mailbox.address == address).first()
    if other is not None and other is not mailbox:
        raise ValidationError(_("Another mailbox already uses this address."), field="address")
    if imap_security not in SECURITY:
        raise ValidationError(_("Choose a connection security from the list."), field="imap_security")
    if processed_action not in ACTIONS:
        raise ValidationError(_("Choose what happens to fetched mail."), field="processed_action")
    if imap_port is not None and not 0 < int(imap_port) < 65536:
        raise ValidationError(_("A port is a number from 1 to 65535."), field="imap_port")
    if group_id is not None and db.session.get(TicketGroup, group_id) is None:
        raise ValidationError(_("Choose a group from the list."), field="group_id")
    if imap_host and not imap_username:
        raise ValidationError(_("Enter the IMAP user name."), field="imap_username")
    if mailbox is None:
        mailbox = Mailbox(webhook_secret_encrypted=crypto.encrypt(secrets.token_urlsafe(32)))
    mailbox.name, mailbox.address, mailbox.from_name = name[:80], address, (from_name or "").strip()[:120]
    mailbox.group_id, mailbox.enabled = group_id, enabled
    mailbox.imap_host, mailbox.imap_username = (imap_host or "").strip() or None, (imap_username or "").strip() or None
    mailbox.imap_port = int(imap_port or (993 if imap_security == "ssl" else 143))
    mailbox.imap_security, mailbox.imap_folder = imap_security, (imap_folder or "INBOX").strip()
    mailbox.processed_action, mailbox.processed_folder = processed_action, (processed_folder or "Processed").strip()
    if imap_password:
        mailbox.imap_password_encrypted = crypto.encrypt(imap_password)
    db.session.add(mailbox)
    db.session.flush()
    return mailbox


def webhook_secret(mailbox: Mailbox) -> str | None:
    return crypto.decrypt(mailbox.webhook_secret_encrypted)


def imap_settings(mailbox: Mailbox):
    """The poller's settings for `mailbox` (password decrypted only here)."""
    from portal.channels.email.imap import ImapSettings

    return ImapSettings(host=mailbox.imap_host, port=mailbox.imap_port, security=mailbox.imap_security,
                        username=mailbox.imap_username or "", password=crypto.decrypt(mailbox.imap_password_encrypted) or "",
                        folder=mailbox.imap_folder, processed_action=mailbox.processed_action,
                        processed_folder=mailbox.processed_folder)


def test_connection(mailbox: Mailbox) -> str | None:
    """None when the mailbox answers and the folder exists, else a one-line reason."""
    from portal.channels.email import imap

    if not mailbox.imap_host:
        return _("No IMAP server is set for this mailbox.")
    return imap.test_connection(imap_settings(mailbox))


def poll(mailbox: Mailbox, *, since: date | None = None) -> int:
    """Fetch new mail by UID and ingest each message in its own transaction; returns how many came in.

    The UID is acknowledged on the server only after the message is committed here, so a crash
    re-delivers at most one message, which the Message-ID check then ignores.
    """
    from portal.channels.email import imap
    from portal.channels.email.ingest import ingest

    mailbox_id, count = mailbox.id, 0

    def handle(uid: int, raw: bytes) -> None:
        nonlocal count
        ingest(raw, mailbox=db.session.get(Mailbox, mailbox_id))
        db.session.commit()
        count += 1

    state = imap.ImapState(uidvalidity=mailbox.imap_uidvalidity, last_uid=mailbox.imap_last_uid)
    settings, error = imap_settings(mailbox), None
    try:
        while True:  # batches until nothing new is left
            before = count
            state = imap.poll(settings, state, handle, since=since)
            if count == before:
                break
    except imap.HandlerFailed as exc:
        db.session.rollback()
        state, error = exc.state, _("a message could not be stored (UID %(uid)s); it will be fetched again",
                                    uid=exc.uid)
    except imap.ImapError as exc:
        db.session.rollback()
        error = str(exc)
    _record_poll(mailbox_id, state, error)
    if error:
        raise imap.ImapError(error)
    return count


def _record_poll(mailbox_id: int, state, error: str | None) -> None:
    mailbox = db.session.get(Mailbox, mailbox_id)
    mailbox.imap_uidvalidity, mailbox.imap_last_uid = state.uidvalidity, state.last_uid
    mailbox.last_polled_at, mailbox.last_error = utcnow(), error
    db.session.commit()


def wait_for_mail(mailbox: Mailbox, *, seconds: float) -> bool:
    """IDLE on the mailbox up to `seconds` (False at once when the server has no IDLE)."""
    from portal.channels.email import imap

    state = imap.ImapState(uidvalidity=mailbox.imap_uidvalidity, last_uid=mailbox.imap_last_uid)
    try:
        return imap.idle_wait(imap_settings(mailbox), seconds, state=state)
    except imap.ImapError:
        return False
