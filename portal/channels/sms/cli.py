"""`portal channels sms add`: connect a Twilio number from the command line, through the same service."""
import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db

sms_cli = AppGroup("sms", help="SMS numbers (Twilio).")
FLAGS = {"name": "--name", "number": "--number", "account_sid": "--sid", "auth_token": "--token-file",
         "messaging_service_sid": "--service-sid", "group_id": "--group", "api_base": "--api-base"}


def fail(message: str):
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@sms_cli.command("add")
@click.option("--name", required=True, help="What agents see, e.g. \"SMS support\".")
@click.option("--number", required=True, help="The Twilio number in E.164, e.g. +33612345678.")
@click.option("--sid", "account_sid", required=True, help="The Account SID (AC...).")
@click.option("--token-file", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="A file holding the Auth Token (- for standard input), so it stays out of the shell history.")
@click.option("--service-sid", default=None, help="Send through this Messaging Service (MG...).")
@click.option("--group", "group_name", default=None, help="The group new tickets go to.")
@click.option("--api-base", default=None, help="Twilio's API address (default https://api.twilio.com).")
@click.option("--json", "as_json", is_flag=True, help="Print the account and its URLs as JSON.")
def add_command(name, number, account_sid, token_file, service_sid, group_name, api_base, as_json):
    """Connect a Twilio number; prints the two URLs to paste into Twilio."""
    from portal.channels.sms import services
    from portal.tickets.models import TicketGroup

    try:
        with click.open_file(token_file, "r") as fh:
            token = fh.read().strip()
    except OSError as exc:
        fail(f"--token-file: cannot read {token_file}: {exc.strerror or exc}")
    group = None
    if group_name:
        group = db.session.scalar(select(TicketGroup).where(TicketGroup.name == group_name))
        if group is None:
            fail(f"--group: no group named {group_name!r}")
    try:
        account = services.save_sms_account(name=name, number=number, account_sid=account_sid, auth_token=token,
                                            messaging_service_sid=service_sid, group_id=group.id if group else None,
                                            api_base=api_base)
    except DomainError as exc:
        db.session.rollback()
        fail(f"{FLAGS.get(exc.field, '--' + (exc.field or 'sms'))}: {exc.message}")
    db.session.commit()
    urls = {"inbound_url": services.hook_url(account, "inbound"), "status_url": services.hook_url(account, "status")}
    if as_json:
        click.echo(json.dumps({"id": account.id, "name": account.name, "number": account.address, **urls}))
    else:
        click.echo(f"SMS number {account.address} connected (id {account.id}).")
        click.echo(f"A message comes in: {urls['inbound_url']}")
        click.echo(f"Status callback URL: {urls['status_url']}")
