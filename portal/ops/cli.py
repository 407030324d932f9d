"""`portal backup` and `portal restore`: the embedded default's whole instance in one archive."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.ops import backup


def _fail(exc: backup.BackupError, command: str):
    click.echo(f"Error: portal {command}: {exc}", err=True)
    sys.exit(1)


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write (default instance/backups/comptoir-<UTC time>.tar.gz).")
@with_appcontext
def backup_command(output):
    """Back up the database (online), search index, uploads, mail originals and secret key."""
    try:
        path, manifest = backup.create(output)
    except backup.BackupError as exc:
        _fail(exc, "backup")
    counts = manifest["counts"]
    click.echo(f"Backup written: {path} ({counts['tickets']} tickets, {counts['articles']} articles, "
               f"{sum(manifest['files'].values())} files). Keep it as safely as the instance folder.")
    if manifest["uploads_in_bucket"]:
        click.echo(f"Uploads and attachments live in the S3 bucket {manifest['uploads_in_bucket']} and are not "
                   "in the archive: back the bucket up with its own tools.")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(archive):
    """Restore a backup into this empty instance (PORTAL_INSTANCE_PATH), then upgrade its schema."""
    try:
        done = backup.restore(archive)
    except backup.BackupError as exc:
        _fail(exc, "restore")
    click.echo(f"Restored the backup of {done.created_at}: {done.counts.get('tickets', 0)} tickets, "
               f"{done.counts.get('articles', 0)} articles.")
    if done.index_rebuilt:
        click.echo("The search index was rebuilt from the database.")
    if done.kept_config:
        click.echo("This instance's portal.cfg was kept; the backed-up one is portal.cfg.restored.")
