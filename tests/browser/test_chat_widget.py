"""Live chat in real Chromium: a shop page on another origin with the widget tag, a visitor chatting with an
agent whose ticket page updates live, the reply back within a second, and the offline fallback by email."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.channels.chat import availability, settings
from portal.extensions import db
from portal.tickets.models import Channel, Ticket
from tests.factories import make_agent

pytestmark = pytest.mark.browser

AGENT = "ada.agent@example.com"


@pytest.fixture
def live_app_config():
    return {"CHAT_STREAM_SECONDS": 4}  # short streams: EventSource reconnects (Last-Event-ID) during the test


class ShopPage(BaseHTTPRequestHandler):
    """A shop's page on its own origin, with nothing but the tag the setup page gives."""
    html = ""

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = self.html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def shop(live_app):
    """Serve a shop page (lang set per test) on 127.0.0.1:<port>; yields a function (lang) -> its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (ShopPage,), {}))
    origin = f"http://127.0.0.1:{server.server_port}"
    account = settings.save_chat(name="Shop chat", origins_text=origin, greeting_en="Hello from Maison Lune!",
                                 greeting_fr="Bonjour de Maison Lune\u202f!", group_id=None, enabled=True)
    db.session.commit()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page_url(lang="en"):
        server.RequestHandlerClass.html = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Maison Lune</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
            f'<body><h1>Maison Lune</h1><p>Candles and lamps.</p>'
            f'<script src="{live_app.url}/chat/widget.js" data-channel="{account.id}" async></script></body></html>')
        return origin + "/"
    yield page_url
    server.shutdown()
    server.server_close()


def newest_ticket():
    db.session.rollback()  # read what the server committed
    return db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))


def wait_for_ticket(count_before=0, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ticket = newest_ticket()
        if ticket is not None and ticket.message_count > count_before:
            return ticket
        time.sleep(0.05)
    raise AssertionError("no chat ticket was stored")


def test_a_visitor_chats_with_an_agent_live_both_ways(new_page, log_in, shop, live_app):
    agent = make_agent(email=AGENT, name="Ada Agent")
    availability.set_availability(agent, "online")
    db.session.commit()
    desk = log_in(new_page(viewport={"width": 1280, "height": 800}), AGENT)
    expect(desk.get_by_role("switch", name="Available for live chat")).to_have_attribute("aria-checked", "true")
    desk.get_by_role("link", name="Live chats").click()
    expect(desk.locator("tbody")).to_contain_text("No open chat right now.")

    visitor = new_page(viewport={"width": 1280, "height": 800})
    visitor.goto(shop("en"))
    launcher = visitor.get_by_role("button", name="Chat with us")
    launcher.click()
    dialog = visitor.get_by_role("dialog", name="Chat with us")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Hello from Maison Lune!")
    expect(dialog).to_contain_text("We are online")
    message = dialog.get_by_label("Your message")
    expect(message).to_be_focused()
    message.fill("Hello, my lamp arrived broken.")
    message.press("Enter")
    ticket = wait_for_ticket()
    assert ticket.channel == Channel.CHAT and ticket.subject == "Hello, my lamp arrived broken."

    row = desk.get_by_role("link", name=f"#{ticket.number} Hello, my lamp arrived broken.")
    expect(row).to_be_visible(timeout=8000)  # the live chats list refreshed by itself
    row.click()
    expect(desk.locator(".chat-live")).to_contain_text("In the chat now")
    notify = desk.get_by_role("button", name="Notify me of new chat messages")
    notify.click()
    expect(desk.locator("[data-chat-notify]")).to_have_attribute("aria-pressed", "true")
    assert desk.evaluate("localStorage.getItem('comptoir-chat-notify')") == "1"
    dialog.get_by_label("Your message").press_sequentially("Here is a photo", delay=20)
    expect(desk.locator("[data-chat-typing]")).to_have_text("Visitor is typing…")
    dialog.get_by_label("Your message").fill("It is the blue lamp, order 1042.")
    dialog.get_by_role("button", name="Send").click()
    expect(desk.locator("ol.thread")).to_contain_text("It is the blue lamp, order 1042.")  # live, no reload
    assert desk.locator("ol.thread > li").count() == 2

    composer = desk.get_by_label("Message", exact=True)
    composer.press_sequentially("So sorry", delay=20)
    expect(dialog).to_contain_text("An agent is typing…")
    composer.fill("So sorry! A new lamp leaves today.")
    desk.get_by_role("button", name="Send", exact=True).click()
    expect(desk.locator(".flash-success")).to_contain_text("Reply sent.")  # the stale check did not refuse it
    reply = dialog.locator(".msg.agent").filter(has_text="So sorry! A new lamp leaves today.")
    expect(reply).to_be_visible(timeout=1000)  # within a second, without reload
    expect(reply).to_contain_text("Ada Agent")

    dialog.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_with_no_agent_online_the_widget_asks_for_name_and_email_in_french(new_page, shop, live_app):
    visitor = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    visitor.goto(shop("fr"))
    visitor.get_by_role("button", name="Discuter avec nous").click()
    dialog = visitor.get_by_role("dialog", name="Discuter avec nous")
    expect(dialog).to_contain_text("Personne n'est en ligne")
    box = dialog.bounding_box()
    assert round(box["width"]) == 375 and round(box["height"]) == 740  # the whole screen on a phone
    name, email = dialog.get_by_label("Votre nom"), dialog.get_by_label("Votre adresse e-mail")
    expect(name).to_be_focused()
    dialog.get_by_label("Votre message").fill("Livrez-vous en Belgique ?")
    dialog.get_by_role("button", name="Envoyer").click()
    expect(dialog.locator("#cw-name-e")).to_have_text("Saisissez votre nom.")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()
    name.fill("Claire")
    email.fill("claire@")
    dialog.get_by_role("button", name="Envoyer").click()
    expect(dialog.locator("#cw-email-e")).to_have_text("Saisissez une adresse e-mail valide.")
    email.fill("claire@example.com")
    dialog.get_by_role("button", name="Envoyer").click()
    ticket = wait_for_ticket()
    assert ticket.requester_email == "claire@example.com" and ticket.locale == "fr"
    expect(dialog.get_by_label("Votre nom")).to_be_hidden()  # asked once
    expect(dialog.locator(".msg.visitor")).not_to_have_class("msg visitor pending")
