"""SMS through Twilio: a number's inbound messages (and MMS media) become tickets, agents answer by SMS,
STOP and START are honoured, Twilio's delivery status shows on each reply."""
from flask.cli import AppGroup


def init_app(app):
    from portal.channels.sms import outbound  # noqa: F401  (registers the sender, check and composer hint)
    from portal.channels.sms.cli import sms_cli
    from portal.channels.sms.views import bp
    from portal.channels.views import setup_page

    app.register_blueprint(bp)
    setup_page("sms", "sms.sms")
    channels_cli(app).add_command(sms_cli)


def channels_cli(app) -> AppGroup:
    """The `portal channels` group, shared by the channels that have commands (made by the first one)."""
    group = app.cli.commands.get("channels")
    if group is None:
        group = AppGroup("channels", help="Messaging channels: connect accounts.")
        app.cli.add_command(group)
    return group
