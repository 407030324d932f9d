"""`portal reports …`: rebuild the rollups, show a report (as text or JSON), send the weekly mail now."""
import json
import sys
from datetime import date

import click
from flask.cli import AppGroup

from portal.errors import DomainError
from portal.extensions import db
from portal.reports import exports, rollups, service, weekly
from portal.reports.filters import PERIODS, parse_filters

reports_cli = AppGroup("reports", help="Reports: rebuild the daily rollups, show a report, send the weekly mail.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@reports_cli.command("rebuild")
@click.option("--since", help="Only tickets changed and days from this date (YYYY-MM-DD); default: everything.")
def rebuild_command(since):
    """Compute the ticket facts and daily rollups again (and the self-service counters)."""
    day = None
    if since:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            fail("--since takes a date such as 2026-11-01.")
    result = rollups.rebuild(day, log=click.echo)
    click.echo(f"Rebuilt {result['tickets']} tickets and {result['rollup_rows']} rollup rows "
               f"({result['first_day']} to {result['last_day']}).")


def _filter_options(command):
    for name, text in (("--tag", "Only tickets with this tag."), ("--agent", "Agent id."),
                       ("--group", "Group id."), ("--channel", "Channel (email, web, chat...)."),
                       ("--store", "Store id."), ("--to", "Last day (YYYY-MM-DD) with --period custom."),
                       ("--from", "First day (YYYY-MM-DD) with --period custom.")):
        command = click.option(name, name.strip("-").replace("-", "_") + ("_day" if name in ("--from", "--to") else ""),
                               help=text)(command)
    return click.option("--period", type=click.Choice(list(PERIODS)), default="30d", show_default=True)(command)


@reports_cli.command("show")
@click.argument("name", type=click.Choice(list(service.REPORTS)))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report's CSV export.")
@_filter_options
def show_command(name, as_json, as_csv, period, from_day, to_day, store, channel, group, agent, tag):
    """Show report NAME: the summary with the previous period (or all of it as JSON)."""
    args = {"period": period, "from": from_day, "to": to_day, "store": store, "channel": channel, "group": group,
            "agent": agent, "tag": tag}
    filters = parse_filters({k: v for k, v in args.items() if v})
    for message in filters.messages:
        click.echo(f"Warning: {message}", err=True)
    try:
        if as_csv:
            for line in exports.csv_lines(name, filters):
                click.echo(line, nl=False)
            return
        data = service.figures(name, filters)
    except DomainError as exc:
        fail(exc.message)
    if as_json:
        click.echo(json.dumps(data, indent=1, default=str))
        return
    click.echo(f"{service.REPORTS[name]}: {data['period']['start']} to {data['period']['end']} "
               f"(previous: {data['previous_period']['start']} to {data['previous_period']['end']})")
    for key, figure in data["summary"].items():
        change = "" if figure["change"] is None else f"  ({figure['change']:+})"
        click.echo(f"  {key}: {'-' if figure['value'] is None else figure['value']}"
                   f"  previous {'-' if figure['previous'] is None else figure['previous']}{change}")


@reports_cli.command("send-weekly")
def send_weekly_command():
    """Mail last week's report to the chosen managers now (even if it went already)."""
    start, end = weekly.last_week()
    count = weekly.send(start, end)
    db.session.commit()
    click.echo(f"Queued {count} mail{'s' if count != 1 else ''} for {start} to {end}.")
