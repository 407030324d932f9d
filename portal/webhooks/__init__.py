"""Outgoing webhooks: managers subscribe URLs to ticket events; the worker POSTs each event, signed, with
retries, a delivery log, and automatic disabling of a receiver that keeps failing."""


def init_app(app):
    from portal.webhooks import events, models, services  # noqa: F401  (tables, the commit hook, the jobs)
    from portal.webhooks.cli import webhooks_cli
    from portal.webhooks.views import bp

    events.init_app(app)
    app.register_blueprint(bp)
    app.cli.add_command(webhooks_cli)
