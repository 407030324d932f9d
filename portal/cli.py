"""The `portal` command: Flask's commands plus init, demo and the feature groups."""
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlalchemy import select

from portal.extensions import db

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


def main():
    if sys.argv[1:2] == ["worker"]:
        return run_worker(sys.argv[2:])
    from portal import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), help="Comptoir, the support site for online shops.")
    cli.main(prog_name="portal")


def run_worker(args):
    """`portal worker` on the worker's app (create_app(worker=True)), without the other commands: loading
    them (and the `flask db` plugin, alembic) would cost the long-running worker memory it never uses."""
    from flask.cli import load_dotenv

    from portal import create_app
    from portal.jobs.cli import worker_command

    load_dotenv()  # what FlaskGroup does first
    with create_app(worker=True).app_context():
        worker_command.main(args=args, prog_name="portal worker")


def upgrade_database():
    """Create or upgrade the database schema with the migrations."""
    from flask_migrate import upgrade

    upgrade()


def ensure_manager(email: str | None, password: str | None) -> str:
    """Create the first manager unless one exists; returns what happened."""
    from portal.accounts.models import Role, User
    from portal.accounts.services import create_user

    if db.session.scalar(select(User.id).where(User.role == Role.MANAGER)):
        return "A manager account already exists."
    if not email or not password:
        return "No manager created (set PORTAL_ADMIN_EMAIL and PORTAL_ADMIN_PASSWORD, or use 'portal users create')."
    from portal.errors import DomainError

    try:
        create_user(email=email, password=password, role=Role.MANAGER, name="Manager")
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"Error: manager {email}: {exc.message}", err=True)
        sys.exit(1)
    db.session.commit()
    return f"Manager account created: {email}"


def register_commands(app):
    @app.cli.command("init")
    @click.option("--no-content", is_flag=True, help="Do not import the starter help center.")
    def init_command(no_content):
        """Create/upgrade the database, import content/, build the search index, create a manager."""
        from portal.kb.cli import rebuild_index
        from portal.kb.content_io import import_directory

        upgrade_database()
        click.echo(f"Database ready: {current_app.config['SQLALCHEMY_DATABASE_URI']}")
        if not no_content:
            report = import_directory(CONTENT_DIR)
            db.session.commit()
            click.echo(f"Help center: {report.created} articles created, {report.updated} updated, "
                       f"{report.unchanged} unchanged.")
            for error in report.errors:
                click.echo(f"Error: {error}", err=True)
        from portal.forum.services import ensure_default_categories

        ensure_default_categories()
        from portal.automation.defaults import install_defaults

        click.echo(f"Default rules: {install_defaults()} added.")
        from portal.automation.sla_settings import install_defaults as install_sla_defaults

        if install_sla_defaults():
            click.echo("Default SLA policy added (4 h first response, 24 h next response, 48 h resolution).")
        db.session.commit()
        rebuild_index()
        click.echo("Search index built.")
        email = os.environ.get("PORTAL_ADMIN_EMAIL")
        password = os.environ.get("PORTAL_ADMIN_PASSWORD")
        if not email and sys.stdin.isatty():
            email = click.prompt("Manager email (leave empty to skip)", default="", show_default=False) or None
            if email:
                password = click.prompt("Manager password", hide_input=True, confirmation_prompt=True)
        click.echo(ensure_manager(email, password))

    @app.cli.command("serve")
    @click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
    @click.option("--port", type=click.IntRange(1, 65535), default=lambda: int(os.environ.get("PORT", 5000)),
                  show_default="5000")
    @click.option("--workers", type=click.IntRange(1, 64), default=lambda: int(os.environ.get("WEB_WORKERS", 2)),
                  show_default="2", help="Processes (WEB_WORKERS).")
    @click.option("--threads", type=click.IntRange(1, 256), default=lambda: int(os.environ.get("WEB_THREADS", 16)),
                  show_default="16", help="Threads per process (WEB_THREADS); live chat streams hold one each.")
    @click.option("--timeout", type=click.IntRange(5, 3600), default=60, show_default=True,
                  help="Seconds before a stuck worker is restarted.")
    @click.option("--access-log", default=None, help="File for the access log ('-' for standard output).")
    def serve_command(host, port, workers, threads, timeout, access_log):
        """Run the production server (gunicorn); `portal run` stays the development server."""
        from portal.ops import server

        db.engine.dispose()  # nothing opened here may be shared with the forked workers
        server.run(host=host, port=port, workers=workers, threads=threads, timeout=timeout, access_log=access_log)

    @app.cli.command("demo")
    def demo_command():
        """Load demo data (idempotent) and print the demo logins."""
        from portal.demo import load_demo

        for line in load_demo(CONTENT_DIR):
            click.echo(line)
