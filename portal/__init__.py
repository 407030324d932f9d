"""Comptoir: the support site for online shops."""
from flask import Flask

from portal import automation, channels, database, errors_http, http_security, i18n, inputs, jobs, mail, permissions, search
from portal import webhooks
from portal import reports
from portal.accounts import auth
from portal.config import load_config
from portal.markup import render_markdown
from portal.forum import services as forum_services
from portal.orders import linking as order_linking
from portal.orders import services as order_services
from portal.tickets import services as ticket_services
from portal.extensions import babel, csrf, db, login_manager


class PortalFlask(Flask):
    """Flask that builds external URLs from PUBLIC_URL outside a request (CLI, jobs, mail)."""

    def create_url_adapter(self, request):
        if request is None and not self.config.get("SERVER_NAME") and self.config.get("PUBLIC_URL"):
            from urllib.parse import urlsplit

            parts = urlsplit(self.config["PUBLIC_URL"])
            return self.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
        return super().create_url_adapter(request)


def create_app(overrides=None, *, worker=False):
    """Build the app: configuration, extensions, blueprints, error handlers, CLI.

    worker=True builds `portal worker`'s app: the same, less the CLI and the migrations, and each
    blueprint registered on its first url_for (portal/blueprints.py), to keep the worker's memory small."""
    app = PortalFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=_instance_path(overrides),
    )
    load_config(app, overrides)
    if worker:
        # No compiled-SQL cache: jobs run a few hundred different statements, rarely; cached, they held 11 MB.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"query_cache_size": 0, **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    register_extensions(app)
    register_blueprints(app, on_demand=worker)
    register_search_sources()
    register_job_handlers()
    errors_http.init_app(app)
    if not worker:
        register_migrations(app)
        register_cli(app)
    return app


def _instance_path(overrides):
    import os

    path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get("PORTAL_INSTANCE_PATH")
    return os.path.abspath(path or "instance")


def register_extensions(app):
    inputs.init_app(app)  # before the blueprints: rules pick their `<int:...>` converter when added
    database.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    http_security.init_app(app)
    login_manager.init_app(app)
    auth.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    mail.init_app(app)
    jobs.init_app(app)
    channels.init_app(app)
    automation.init_app(app)
    webhooks.init_app(app)  # after automation: its commit hook sees the rules' changes too
    reports.init_app(app)  # the reports pages, CLI, worker tasks and the ticket_changed hook
    search.init_app(app)
    i18n.init_app(app)
    app.jinja_env.globals["can"] = permissions.can
    app.jinja_env.globals["render_markdown"] = render_markdown
    ticket_services.init_app(app)
    order_services.init_app(app)
    order_linking.init_app(app)
    forum_services.init_app(app)


def register_migrations(app):
    """`flask db` on the migrations folder (alembic, imported here: 8 MB the worker does without)."""
    from pathlib import Path

    from flask_migrate import Migrate

    Migrate(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)


def register_blueprints(app, *, on_demand=False):
    from portal import blueprints
    from portal.audit import requests as audit_requests

    audit_requests.init_app(app)
    if on_demand:
        blueprints.register_on_demand(app)
    else:
        blueprints.register_all(app)


def register_search_sources():
    """Each feature's documents for the shared search index (loaders register on import)."""
    from portal.forum import indexing as forum_indexing  # noqa: F401
    from portal.kb import indexing as kb_indexing  # noqa: F401


def register_job_handlers():
    """Each feature's background tasks (handlers register on import), so the worker knows them all."""
    from portal.channels.email import jobs as email_jobs  # noqa: F401
    from portal.jobs import maintenance  # noqa: F401
    from portal.gdpr import jobs as gdpr_jobs  # noqa: F401
    from portal.search_sync import register_jobs as register_search_jobs

    register_search_jobs()


def register_cli(app):
    from portal.accounts.cli import users_cli
    from portal.audit.cli import audit_cli
    from portal.cli import register_commands
    from portal.kb.cli import kb_cli
    from portal.orders.cli import orders_cli, stores_cli
    from portal.tickets.cli import tickets_cli
    from portal.jobs.cli import jobs_cli, worker_command
    from portal.channels.email.cli import mail_cli
    from portal.api.cli import api_cli
    from portal.ops.cli import backup_command, restore_command
    from portal.gdpr.cli import gdpr_cli

    register_commands(app)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(kb_cli)
    app.cli.add_command(tickets_cli)
    app.cli.add_command(stores_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(api_cli)
    app.cli.add_command(gdpr_cli)
