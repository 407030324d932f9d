"""Live chat: the widget shops paste on their pages, its API (sessions, messages, events, typing),
agents' availability, the live chats in the desk and replies from the usual composer."""


def init_app(app):
    from portal.channels import delivery
    from portal.channels.chat import api, desk_views, outbound, queries, views
    from portal.channels.chat.availability import is_online
    from portal.channels.views import setup_page
    from portal.signals import ticket_changed

    for blueprint in (views.bp, desk_views.bp, api.bp):
        app.register_blueprint(blueprint)
    setup_page("chat", "chat.chat")
    delivery.register("chat", send=outbound.send, composer=outbound.composer_hint)
    ticket_changed.connect(outbound.on_ticket_changed)
    app.jinja_env.globals.update(chat_for_ticket=queries.chat_for_ticket, chat_agent_online=is_online)
