"""`portal webhooks …`: list the subscriptions, send one a test event, read its delivery log."""
import json
import sys

import click
from flask.cli import AppGroup

from portal.errors import DomainError
from portal.extensions import db
from portal.webhooks import payloads, queries, services

webhooks_cli = AppGroup("webhooks", help="Outgoing webhooks: list, send a test event, read the delivery log.")


def _subscription(subscription_id):
    try:
        return services.get_subscription(subscription_id)
    except DomainError as exc:
        click.echo(f"Error: webhook {subscription_id}: {exc.message}", err=True)
        sys.exit(1)


@webhooks_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json):
    """The subscriptions with their events and state."""
    rows = [{"id": s.id, "name": s.name, "url": s.url, "events": s.events, "enabled": s.enabled,
             "include_notes": s.include_notes, "consecutive_failures": s.consecutive_failures,
             "disabled_reason": s.disabled_reason.value if s.disabled_reason else None,
             "last_success_at": payloads.iso(s.last_success_at)} for s in services.all_subscriptions()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "on " if row["enabled"] else f"off ({row['disabled_reason']})"
        click.echo(f"#{row['id']:<4} {state} {row['name']}  {row['url']}  [{', '.join(row['events'])}]")
    if not rows:
        click.echo("No webhooks. Managers add them at /staff/settings/webhooks.")


@webhooks_cli.command("test")
@click.argument("subscription_id")
def test_command(subscription_id):
    """POST a webhook.test event to SUBSCRIPTION_ID now and print the answer (exit 1 when it failed)."""
    outcome = services.send_test_event(_subscription(subscription_id))
    db.session.commit()
    if not outcome.ok:
        click.echo(f"Error: not delivered: {outcome.error}", err=True)
        sys.exit(1)
    click.echo(f"Delivered: HTTP {outcome.status} in {outcome.duration_ms} ms")


@webhooks_cli.command("deliveries")
@click.argument("subscription_id")
@click.option("--limit", type=click.IntRange(1, 1000), default=queries.LOG_SIZE)
@click.option("--json", "as_json", is_flag=True)
def deliveries_command(subscription_id, limit, as_json):
    """The latest deliveries of SUBSCRIPTION_ID, newest first, with every attempt."""
    rows = [_delivery_row(d, tried) for d, tried in queries.deliveries(_subscription(subscription_id).id, limit=limit)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        last = row["attempts"][-1] if row["attempts"] else {}
        answer = f"{last.get('status_code') or '-'} {last.get('duration_ms', '-')} ms  {last.get('error') or ''}"
        click.echo(f"{row['created_at']}  {row['event_type']:<16} {row['status']:<9} "
                   f"attempts: {len(row['attempts'])}  last: {answer}")
    if not rows:
        click.echo("Nothing sent yet.")


def _delivery_row(delivery, tried) -> dict:
    return {"id": delivery.uid, "event_id": delivery.event_id, "event_type": delivery.event_type,
            "status": delivery.status.value, "test": delivery.is_test, "created_at": payloads.iso(delivery.created_at),
            "next_attempt_at": payloads.iso(delivery.next_attempt_at),
            "attempts": [{"attempt": a.number, "at": payloads.iso(a.started_at), "status_code": a.status_code,
                          "duration_ms": a.duration_ms, "error": a.error} for a in tried]}
