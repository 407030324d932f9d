"""The worker's mail tasks: poll every enabled IMAP mailbox, one job per mailbox."""
from flask import current_app

from portal.channels.email import services
from portal.channels.email.models import Mailbox
from portal.extensions import db
from portal.jobs import services as jobs


@jobs.task("mail.poll_all", max_attempts=1)
def poll_all() -> None:
    """Queue a poll of each enabled mailbox that has an IMAP server."""
    for mailbox_id, in db.session.query(Mailbox.id).filter(Mailbox.enabled.is_(True), Mailbox.imap_host.is_not(None)):
        jobs.enqueue("mail.poll", mailbox_id=mailbox_id)


@jobs.task("mail.poll", max_attempts=3)
def poll(mailbox_id: int) -> None:
    """Fetch one mailbox's new messages (errors are kept on the mailbox and the job)."""
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None or not mailbox.enabled or not mailbox.imap_host:
        return
    services.poll(mailbox)
    # Between the minute's polls, IDLE so new mail comes in within seconds where the server supports it.
    idle = current_app.config["MAIL_IMAP_IDLE_SECONDS"]
    if idle and services.wait_for_mail(db.session.get(Mailbox, mailbox_id), seconds=idle):
        services.poll(db.session.get(Mailbox, mailbox_id))
