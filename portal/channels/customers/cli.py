"""`portal customers …`: show a customer record with its identities, tickets and orders; merge two records."""
import json
import sys

import click
from flask.cli import AppGroup

from portal.channels import contacts
from portal.channels.customers import queries
from portal.errors import DomainError
from portal.extensions import db

customers_cli = AppGroup("customers", help="Customer records across channels: show one, merge two.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _find(value: str, role: str):
    contact = queries.contact_by_id(value)
    if contact is None:
        fail(f"{role}: no customer with id {value}.")
    return contact


def customer_data(contact) -> dict:
    """The record as JSON: every identity, every ticket (any scope: this is the server's console), orders."""
    account = queries.account_of(contact)
    return {
        "id": contact.id, "name": contact.name,
        "account": {"id": account.id, "email": account.email} if account else None,
        "identities": [{"kind": i.kind, "value": i.value} for i in contact.identities],
        "tickets": [{"number": t.number, "subject": t.subject, "status": t.status.value, "channel": t.channel.value}
                    for t in queries.tickets_for(contact, None, limit=200)],
        "orders": [{"number": o.number, "email": o.email, "store": o.store.name, "total": str(o.total),
                    "currency": o.currency, "placed_at": o.placed_at.isoformat()}
                   for o in queries.orders_of(contact, limit=200)],
    }


@customers_cli.command("show")
@click.argument("contact_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
def show_command(contact_id, as_json):
    """Show customer CONTACT_ID (a merged id shows the record it was merged into)."""
    stored = _find(contact_id, "customer")
    contact = queries.kept(stored)
    data = customer_data(contact)
    if stored.id != contact.id:
        data["merged_from"] = stored.id
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    if stored.id != contact.id:
        click.echo(f"Customer {stored.id} was merged into {contact.id}.")
    click.echo(f"Customer {contact.id}: {contact.name or '(no name)'}"
               + (f" · account {data['account']['email']}" if data["account"] else ""))
    for identity in data["identities"]:
        click.echo(f"  {identity['kind']}: {identity['value']}")
    click.echo(f"  {len(data['tickets'])} ticket(s): " + ", ".join(f"#{t['number']}" for t in data["tickets"]))
    click.echo(f"  {len(data['orders'])} order(s): " + ", ".join(f"#{o['number']}" for o in data["orders"]))


@customers_cli.command("merge")
@click.argument("source_id")
@click.argument("target_id")
def merge_command(source_id, target_id):
    """Merge customer SOURCE_ID into TARGET_ID: identities, tickets and the account move; orders follow."""
    source, target = _find(source_id, "source"), _find(target_id, "target")
    try:
        contacts.merge(source, target, actor=None)
    except DomainError as exc:
        db.session.rollback()
        fail(exc.message)
    db.session.commit()
    click.echo(f"Customer {source.id} merged into {target.id}.")
