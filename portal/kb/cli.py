"""`portal kb …`: import, export, reindex and search the help center."""
import json
import sys
import time

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.kb import content_io, indexing  # noqa: F401 (indexing registers the article search loader)
from portal.kb.content_io import ContentError
from portal.kb.search import search_help
from portal.search import get_index

kb_cli = AppGroup("kb", help="Help-center content: import, export, reindex, search.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@kb_cli.command("import")
@click.argument("directory", type=click.Path(file_okay=False))
def import_command(directory):
    """Import categories.yml and <lang>/<category>/<slug>.md files from DIRECTORY."""
    import os

    if not os.path.isdir(directory):
        fail(f"{directory}: no such directory")
    try:
        report = content_io.import_directory(directory)
    except ContentError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    for error in report.errors:
        click.echo(f"Error: {error}", err=True)
    click.echo(f"Imported {report.categories} categories; articles: {report.created} created, "
               f"{report.updated} updated, {report.unchanged} unchanged, {len(report.errors)} rejected.")
    if report.errors:
        sys.exit(1)


@kb_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def export_command(directory):
    """Write every category and article to DIRECTORY in the import format."""
    try:
        count = content_io.export_directory(directory)
    except OSError as exc:
        fail(f"{directory}: {exc.strerror or exc}")
    click.echo(f"Exported {count} articles to {directory}.")


@kb_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from the database and swap it in."""
    started = time.perf_counter()
    rebuild_index()
    click.echo(f"Reindexed {get_index().doc_count()} documents in {time.perf_counter() - started:.1f}s.")


@kb_cli.command("optimize")
def optimize_command():
    """Maintenance: merge the search index's segments (run after many edits, e.g. nightly)."""
    started = time.perf_counter()
    get_index().optimize()
    click.echo(f"Search index optimized in {time.perf_counter() - started:.1f}s.")


def rebuild_index():
    """Build a fresh index from the database, swap it in, then catch up edits made meanwhile."""
    from datetime import timedelta

    from sqlalchemy import select

    from portal import search_sync
    from portal.kb.models import Article
    from portal.models_base import utcnow

    started = utcnow() - timedelta(seconds=1)
    get_index().rebuild(search_sync.all_documents(db.session))
    changed = db.session.scalars(select(Article.id).where(Article.updated_at >= started)).all()
    if changed:
        search_sync.apply({("article", i) for i in changed})


@kb_cli.command("search")
@click.argument("query")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {slug, title, score, snippet}.")
def search_command(query, lang, limit, as_json):
    """Search published articles like the help center does."""
    found = search_help(query, lang=lang, per_page=limit, log=False).results
    if as_json:
        click.echo(json.dumps([{"slug": h.slug, "title": h.title, "score": round(h.score, 4),
                                "snippet": _plain(h.snippet)} for h in found.hits], ensure_ascii=False))
        return
    if found.corrected:
        click.echo(f"No results for '{query}'; showing results for '{found.suggestion}'.")
    for hit in found.hits:
        click.echo(f"{hit.score:7.2f}  {hit.slug}  {hit.title}")
    if not found.hits:
        click.echo("No results.")


def _plain(snippet) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", str(snippet)))
