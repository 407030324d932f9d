"""Reports (/staff/reports): volume, response times, SLA, satisfaction, agents and self-service, from
daily rollups the worker keeps current; CSV exports, a weekly mail, `portal reports` commands.
Everything goes through portal/reports/service.py."""


def init_app(app):
    from portal.reports import formatting, models  # noqa: F401  (models: the tables)
    from portal.reports import rollups, self_service, weekly  # noqa: F401  (the worker's tasks)
    from portal.reports.cli import reports_cli
    from portal.reports.views import bp
    from portal.signals import ticket_changed

    app.config.setdefault("REPORTS_TIMEZONE", "Europe/Paris")
    formatting.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(reports_cli)
    if not getattr(ticket_changed, "_reports_connected", False):
        ticket_changed.connect(rollups._on_ticket_changed)
        ticket_changed._reports_connected = True
