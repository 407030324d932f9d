"""`portal audit list`: the audit log on the command line (the same query as the log page)."""
import json
from datetime import date

import click
from flask.cli import AppGroup

from portal.audit import queries
from portal.audit.queries import AuditFilters

audit_cli = AppGroup("audit", help="Read the audit log of staff actions.")


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, e.g. 2026-12-01") from None


@audit_cli.command("list")
@click.option("--actor", metavar="EMAIL", help="Only what this person did.")
@click.option("--action", "action", metavar="ACTION", help="Only this action, e.g. login.failed.")
@click.option("--since", metavar="DATE", callback=_day, help="From this day on (YYYY-MM-DD, UTC).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def list_command(actor, action, since, limit, as_json):
    """Print the newest audit rows first."""
    rows, total = queries.search(AuditFilters(actor=actor, action=action, since=since), per_page=limit)
    if as_json:
        click.echo(json.dumps([queries.as_dict(row) for row in rows], indent=2, ensure_ascii=False))
        return
    for row in rows:
        target = f" -> {row.target_label}" if row.target_label else ""
        details = f" {json.dumps(row.details, ensure_ascii=False)}" if row.details else ""
        click.echo(f"{row.created_at:%Y-%m-%d %H:%M:%S}  {row.actor_email or '(system)':<30} {row.action}"
                   f"{target}{details}")
    shown = f"{len(rows)} of {total}" if total > len(rows) else str(total)
    click.echo(f"{shown} event{'s' if total != 1 else ''}.")
