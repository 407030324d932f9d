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
from portal.extensions import babel, csrf, db, login_manager, migrate


class PortalFlask(Flask):
    """Flask that builds external URLs from PUBLIC_URL outside a request (CLI, jobs, mail)."""

    def create_url_adapter(self, request):
        if request is None and not self.config.get("SERVER_NAME") and self.config.get("PUBLIC_URL"):
            from urllib.parse import urlsplit

            parts = urlsplit(self.config["PUBLIC_URL"])
            return self.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
        return super().create_url_adapter(request)


def create_app(overrides=None):
    """Build the app: configuration, extensions, blueprints, error handlers, CLI."""
    app = PortalFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=_instance_path(overrides),
    )
    load_config(app, overrides)
    register_extensions(app)
    register_blueprints(app)
    register_search_sources()
    register_job_handlers()
    errors_http.init_app(app)
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
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True)
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


def _migrations_dir():
    from pathlib import Path

    return str(Path(__file__).parent / "migrations")


def register_blueprints(app):
    from portal.accounts.security_views import bp as security_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.accounts.role_views import bp as roles_bp
    from portal.audit.views import bp as audit_bp
    from portal.kb.staff_views import bp as kb_staff_bp
    from portal.kb.views import bp as help_bp
    from portal.portal_home.views import bp as portal_bp
    from portal.site.views import bp as site_bp
    from portal.staff.views import bp as staff_bp
    from portal.tickets.admin_views import bp as desk_admin_bp
    from portal.tickets.contact_views import bp as contact_bp
    from portal.tickets.portal_views import bp as portal_tickets_bp
    from portal.tickets.signature_views import bp as agent_settings_bp
    from portal.tickets.staff_views import bp as staff_tickets_bp
    from portal.forum.moderation_views import bp as forum_mod_bp
    from portal.forum.views import bp as forum_bp
    from portal.orders.hooks_views import bp as hooks_bp
    from portal.orders.staff_views import bp as staff_orders_bp
    from portal.orders.views import bp as orders_bp
    from portal.uploads.views import bp as uploads_bp
    from portal.jobs.views import bp as jobs_bp
    from portal.channels.email.views import bp as mailboxes_bp
    from portal.api.v1 import bp as api_v1_bp
    from portal.api.views import bp as api_tokens_bp
    from portal.gdpr.views import bp as gdpr_bp

    from portal.audit import requests as audit_requests

    audit_requests.init_app(app)
    for blueprint in (security_bp, audit_bp, roles_bp):
        app.register_blueprint(blueprint)
    for blueprint in (site_bp, accounts_bp, help_bp, portal_bp, staff_bp, kb_staff_bp, uploads_bp, contact_bp,
                      portal_tickets_bp, staff_tickets_bp, desk_admin_bp, agent_settings_bp, hooks_bp,
                      orders_bp, staff_orders_bp, forum_bp, forum_mod_bp, jobs_bp, mailboxes_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(api_v1_bp)  # /api/v1 and its resources (nested blueprints)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(gdpr_bp)  # /portal/privacy and /staff/gdpr


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
