"""`portal mail receive` (an MTA pipe) and `portal mail poll` (IMAP mailboxes), through the one ingest."""
import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from portal.channels.email import ingest as inbound
from portal.extensions import db

mail_cli = AppGroup("mail", help="Inbound mail: receive from an MTA pipe, poll IMAP mailboxes.")
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and tries again later


@mail_cli.command("receive")
@click.option("--to", "to_address", default=None, help="The address it was delivered to (e.g. Postfix ${recipient}).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def receive_command(to_address, as_json):
    """Read one raw RFC 5322 message on standard input and store it (exit 75 when it cannot be stored now)."""
    raw = sys.stdin.buffer.read(current_app.config["MAIL_INBOUND_MAX_BYTES"] + 1)
    try:
        result = inbound.ingest(raw, to_address=to_address)
        db.session.commit()
    except (OperationalError, SQLAlchemyError, OSError) as exc:
        db.session.rollback()
        click.echo(f"error: mail receive: cannot store the message now ({type(exc).__name__}); try again later",
                   err=True)
        sys.exit(EX_TEMPFAIL)
    if as_json:
        click.echo(json.dumps(result.as_dict()))
    else:
        click.echo(f"{result.outcome}" + (f" #{result.ticket}" if result.ticket else "") + f": {result.reason}")


@mail_cli.command("poll")
@click.argument("address")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Also import mail from this date (the first connection otherwise imports no history).")
def poll_command(address, since):
    """Fetch new mail of the mailbox ADDRESS now (the worker does this every minute)."""
    from portal.channels.email import services
    from portal.channels.email.imap import ImapError
    from portal.channels.email.models import Mailbox

    mailbox = db.session.query(Mailbox).filter_by(address=address.strip().lower()).first()
    if mailbox is None or not mailbox.imap_host:
        click.echo(f"error: mail poll: no mailbox {address} with an IMAP server", err=True)
        sys.exit(1)
    try:
        count = services.poll(mailbox, since=since.date() if since else None)
    except ImapError as exc:
        click.echo(f"error: mail poll {address}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{count} message(s) received")


@mail_cli.command("add-mailbox")
@click.option("--name", required=True)
@click.option("--address", required=True)
@click.option("--from-name", default="")
@click.option("--imap-host", default=None)
@click.option("--imap-port", type=int, default=None)
@click.option("--imap-security", type=click.Choice(["ssl", "starttls", "none"]), default="ssl")
@click.option("--imap-user", default=None)
@click.option("--imap-password", default=None)
@click.option("--folder", default="INBOX")
@click.option("--processed", type=click.Choice(["flag", "move"]), default="flag")
def add_mailbox_command(name, address, from_name, imap_host, imap_port, imap_security, imap_user, imap_password,
                        folder, processed):
    """Add a mailbox; prints its id and inbound webhook secret."""
    from portal.channels.email import services
    from portal.errors import DomainError

    try:
        mailbox = services.save_mailbox(name=name, address=address, from_name=from_name, imap_host=imap_host,
                                        imap_port=imap_port, imap_security=imap_security, imap_username=imap_user,
                                        imap_password=imap_password, imap_folder=folder, processed_action=processed)
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"error: --{(exc.field or 'mailbox').replace('_', '-')}: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(json.dumps({"id": mailbox.id, "address": mailbox.address,
                           "webhook_secret": services.webhook_secret(mailbox)}))
