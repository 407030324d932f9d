"""WhatsApp Cloud API, Facebook Messenger and Instagram messaging through Meta's webhooks and Graph API:
setup pages, the signed webhook, replies (within the 24-hour window, or a WhatsApp template outside it)."""


def init_app(app):
    from portal.channels import delivery
    from portal.channels.meta import outbound, services, window
    from portal.channels.meta.views import bp
    from portal.channels.views import setup_page

    app.register_blueprint(bp)
    delivery.register("whatsapp", send=outbound.send_whatsapp, check=window.check_whatsapp,
                      composer=window.whatsapp_hint)
    for kind in ("messenger", "instagram"):
        delivery.register(kind, send=outbound.send_messaging, check=window.check_messaging,
                          composer=window.messaging_hint)
    for kind in services.KINDS:
        setup_page(kind, f"meta.{kind}")
