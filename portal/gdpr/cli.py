"""`portal gdpr ...`: a customer's export and erasure, and the retention rules, through the same services."""
import os
import sys

import click
from flask.cli import AppGroup

from portal.errors import DomainError
from portal.extensions import db
from portal.gdpr import service

gdpr_cli = AppGroup("gdpr", help="Personal data: export, erase, retention rules.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@gdpr_cli.command("export")
@click.argument("email")
@click.option("--output", "output", metavar="FILE", help="Where to write the zip (default: gdpr-export-<email>.zip).")
def export_command(email, output):
    """Write a customer's data (data.json and attachments) into a zip file."""
    output = output or f"gdpr-export-{email.strip().lower().replace('@', '-at-')}.zip"
    try:
        data = service.export_data(email=email)
    except DomainError as exc:
        fail(exc.message)
    try:
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
        with os.fdopen(descriptor, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        db.session.rollback()
        fail(f"cannot write {output}: {exc.strerror}")
    db.session.commit()
    click.echo(f"Wrote {output} ({len(data)} bytes).")


@gdpr_cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email, yes):
    """Erase a customer: anonymise their tickets and posts, delete their personal fields and files."""
    if not yes and not click.confirm(f"Erase {email} for good? This cannot be undone.", err=True):
        fail("nothing erased.")
    try:
        result = service.erase(email=email)
    except DomainError as exc:
        db.session.rollback()
        fail(exc.message)
    db.session.commit()
    if result["already_erased"]:
        click.echo(f"{email} was already erased; nothing to do.")
        return
    counts = ", ".join(f"{key} {value}" for key, value in sorted(result.items()) if isinstance(value, int)
                       and not isinstance(value, bool))
    click.echo(f"Erased {email} as {result['label']}" + (f" ({counts})." if counts else "."))


@gdpr_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Only say what would go.")
def retention_command(dry_run):
    """Apply the retention rules now (the worker does it nightly)."""
    result = service.apply_retention(dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "Would anonymise" if dry_run else "Anonymised"
    numbers = ", ".join(f"#{n}" for n in result["tickets"][:50]) + (" …" if len(result["tickets"]) > 50 else "")
    click.echo(f"{verb} {len(result['tickets'])} closed ticket(s)" + (f": {numbers}" if numbers else "") + ".")
    verb = "Would forget" if dry_run else "Forgot"
    click.echo(f"{verb} {result['payloads']} webhook payload(s) and {result['mail_originals']} mail original(s).")
