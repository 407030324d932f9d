"""Channels that feed the one ticket queue: email, SMS, WhatsApp, Messenger, Instagram, live chat, phone.

Each messaging channel is a package with `init_app(app)` (its blueprints, jobs, commands); PROVIDERS
lists them. They share channel accounts, the inbound function, delivery and customer records.
"""
import importlib

PROVIDERS = ("meta", "sms", "chat", "phone", "customers")


def init_app(app):
    from portal.channels import delivery, models  # noqa: F401  (tables and the "channels.deliver" job)
    from portal.channels.views import bp

    app.register_blueprint(bp)
    for name in PROVIDERS:
        importlib.import_module(f"portal.channels.{name}").init_app(app)
