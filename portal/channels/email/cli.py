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
