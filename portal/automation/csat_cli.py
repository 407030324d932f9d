"""`portal csat …`: send the due satisfaction surveys now, show a ticket's survey."""
import json
import sys

import click
from flask.cli import AppGroup

from portal.automation import csat
from portal.errors import DomainError
from portal.extensions import db
from portal.tickets import services

csat_cli = AppGroup("csat", help="Satisfaction surveys: send the due ones now, show a ticket's survey.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@csat_cli.command("send-due")
def send_due_command():
    """Mail every survey whose delay has passed; prints how many."""
    if not csat.settings()["enabled"]:
        fail("satisfaction surveys are turned off (Staff > Satisfaction survey settings).")
    count = csat.send_due()
    db.session.commit()
    click.echo(f"Sent {count} survey{'s' if count != 1 else ''}.")


@csat_cli.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the survey as JSON.")
def show_command(number, as_json):
    """The survey of ticket NUMBER: state, rating, comment, agent, dates."""
    try:
        ticket = services.get_ticket(number)
    except DomainError as exc:
        fail(f"ticket {number}: {exc.message}")
    survey = csat.survey_for(ticket)
    if survey is None:
        fail(f"ticket #{ticket.number} has no satisfaction survey.")
    data = csat.survey_data(survey)
    if as_json:
        click.echo(json.dumps(data))
        return
    for key, value in data.items():
        click.echo(f"{key}: {'' if value is None else value}")
