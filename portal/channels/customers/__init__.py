"""Customer records across channels for staff: the customer page (identities, tickets, orders, merge),
the card beside a ticket, and `portal customers show|merge`."""


def init_app(app):
    from portal.channels.customers.cli import customers_cli
    from portal.channels.customers.queries import IDENTITY_LABELS
    from portal.channels.customers.views import bp

    app.register_blueprint(bp)
    app.add_template_global(IDENTITY_LABELS, "identity_labels")
    app.cli.add_command(customers_cli)
