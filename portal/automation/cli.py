"""`portal rules …`: list the automation rules, preview one, run the time-based ones now, install the defaults,
and the "where is my order" figures."""
import json
import sys

import click
from flask.cli import AppGroup

from portal.automation import defaults, engine, rule_services, rules, wismo
from portal.errors import DomainError
from portal.extensions import db

rules_cli = AppGroup("rules", help="Automation rules: list, preview, run the time-based ones, install the defaults, "
                                   "where-is-my-order figures.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _when(rule) -> str:
    if rule.kind == "timed" and rule.timing:
        return f"{rule.timing['hours']} h {rules.SINCE.get(rule.timing['since'], rule.timing['since'])}"
    return ", ".join(str(rules.EVENTS.get(e, e)) for e in rule.events or [])


@rules_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json):
    """The rules in the order they run, with their runs."""
    counts = rule_services.run_counts()
    rows = [{"id": r.id, "name": r.name, "kind": r.kind, "enabled": r.enabled, "position": r.position,
             "events": r.events or [], "timing": r.timing, "builtin": r.builtin,
             "runs": counts.get(r.id, (0, None))[0],
             "last_run": counts[r.id][1].isoformat() if r.id in counts and counts[r.id][1] else None}
            for r in rule_services.all_rules()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row, rule in zip(rows, rule_services.all_rules()):
        state = "on " if row["enabled"] else "off"
        click.echo(f"#{row['id']:<4} {state} {row['kind']:<7} {row['name']}  [{_when(rule)}]  runs: {row['runs']}")
    if not rows:
        click.echo("No rules. `portal rules install-defaults` adds the shipped ones.")
    elif any(a.get("type") == "answer_order" for rule in rule_services.all_rules() for a in rule.actions or []):
        click.echo(_wismo_line(wismo.stats(), 30))


@rules_cli.command("run-sweep")
def run_sweep_command():
    """Run the time-based rules now (the worker does it every few minutes)."""
    done = engine.sweep()
    click.echo(f"Time-based rules: {sum(done.values())} fired over {len(done)} rules.")


@rules_cli.command("preview")
@click.argument("rule_id")
@click.option("--json", "as_json", is_flag=True)
def preview_command(rule_id, as_json):
    """Which open tickets RULE_ID matches now (changes nothing)."""
    try:
        rule = rule_services.get_rule(rule_id)
    except DomainError as exc:
        fail(f"rule {rule_id}: {exc.message}")
    result = rule_services.preview(rule)
    if as_json:
        click.echo(json.dumps({"count": result.count, "capped": result.capped, "scanned": result.scanned,
                               "tickets": [t.number for t in result.tickets]}))
        return
    scope = f" (among the {result.scanned} most recently updated open tickets)" if result.capped else ""
    click.echo(f"Rule #{rule.id} {rule.name}: {result.count} open tickets match now{scope}.")
    for ticket in result.tickets:
        click.echo(f"  #{ticket.number} {ticket.status.value:<8} {ticket.subject}")


@rules_cli.command("install-defaults")
def install_defaults_command():
    """Add the shipped rules that are missing (an edited or disabled one stays as it is)."""
    added = defaults.install_defaults()
    db.session.commit()
    click.echo(f"Default rules: {added} added.")


@rules_cli.command("wismo-stats")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 366), help="How many days back.")
@click.option("--json", "as_json", is_flag=True)
def wismo_stats_command(days, as_json):
    """"Where is my order" tickets: answered from the order, customers who replied anyway, sent to a person."""
    figures = wismo.stats(days)
    if as_json:
        click.echo(json.dumps(figures))
        return
    click.echo(_wismo_line(figures, days))


def _wismo_line(figures: dict, days: int) -> str:
    return (f"Where is my order, last {days} days: {figures['answered']} answered from the order, "
            f"{figures['replied_anyway']} customers replied anyway, {figures['routed']} sent to a person.")
