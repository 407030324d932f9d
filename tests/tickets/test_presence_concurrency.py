"""Presence under real concurrency: one agent's overlapping page views, heartbeats and replies on a threaded
server never fail, and a broken or locked presence table never fails the ticket page."""
import pytest
import contextlib
import http.cookiejar
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.tickets.models import TicketMessage
from tests.factories import PASSWORD, make_agent, make_ticket

SECONDS = 3
MIN_ROUNDS = 6  # per connection: 8 x 6 rounds of at least 2 requests, however busy the machine


@contextlib.contextmanager
def serving(app):
    """`app` on a real threaded HTTP server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def logged_in(base, email):
    """A cookie-keeping opener logged in through the real login form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    opener.open(f"{base}/login", data=urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode(),
                timeout=10)
    return opener


def fetch(opener, url, data=None, headers=None):
    """(status, body) of one request; an HTTP error is an answer too."""
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Hammer:
    """One agent in several sessions: ticket page, 'I am writing' heartbeat and a reply, round and round."""

    def __init__(self, base, number):
        self.page, self.lock = f"{base}/staff/tickets/{number}", threading.Lock()
        self.statuses, self.failures, self.replies = [], [], 0

    def run(self, opener, deadline):
        n = 0
        while n < MIN_ROUNDS or time.monotonic() < deadline:  # a slow machine still makes every round
            self.record(*fetch(opener, self.page))
            self.record(*fetch(opener, f"{self.page}/presence", b'{"composing": true}',
                               {"Content-Type": "application/json"}))
            if n % 3 == 0:  # confirm=1: no stale-version question, so every reply is sent
                body = urllib.parse.urlencode({"body": f"Reply {n}", "kind": "public", "confirm": "1"}).encode()
                status, page = fetch(opener, f"{self.page}/messages", body)
                self.record(status, page, reply=True)
            n += 1

    def record(self, status, body, reply=False):
        with self.lock:
            self.statuses.append(status)
            self.replies += reply and status == 200
            if status >= 500:
                self.failures.append(body[:300])


def test_one_agent_on_eight_connections_never_gets_a_server_error_and_keeps_every_reply(make_app):
    app = make_app(SERVER_NAME=None)
    with app.app_context():
        email = make_agent(scope="all", email="busy@example.com").email
        ticket = make_ticket(subject="Late parcel")
        number, ticket_id = ticket.number, ticket.id
        db.session.remove()
    with serving(app) as base:
        hammer, openers = Hammer(base, number), [logged_in(base, email) for _ in range(8)]
        deadline = time.monotonic() + SECONDS
        workers = [threading.Thread(target=hammer.run, args=(opener, deadline)) for opener in openers]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    assert not [s for s in hammer.statuses if s >= 500], hammer.failures[:3]
    assert len(hammer.statuses) >= 40 and set(hammer.statuses) == {200}
    with app.app_context():
        saved = db.session.scalar(select(func.count()).select_from(TicketMessage).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.body.like("Reply %")))
        db.engine.dispose()
    assert saved == hammer.replies > 0


@pytest.mark.sqlite_only
def test_a_dropped_presence_table_does_not_fail_the_ticket_page_heartbeat_or_reply(app, client, login):
    ticket = make_ticket(subject="Late parcel")
    login(make_agent(scope="all").email)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE ticket_presence")
    page = client.get(f"/staff/tickets/{ticket.number}")
    assert page.status_code == 200 and "Late parcel" in page.get_data(as_text=True)
    beat = client.post(f"/staff/tickets/{ticket.number}/presence", json={"composing": True})
    assert beat.status_code == 200 and beat.get_json()["others"] == []
    sent = client.post(f"/staff/tickets/{ticket.number}/messages", follow_redirects=True,
                       data={"body": "On its way", "kind": "public", "version": ticket.version})
    assert sent.status_code == 200 and "On its way" in sent.get_data(as_text=True)


@pytest.mark.sqlite_only
def test_a_locked_database_only_costs_presence_not_the_ticket_page(make_app):
    app = make_app(SERVER_NAME=None)
    with app.app_context():
        email = make_agent(scope="all", email="busy@example.com").email
        number = make_ticket(subject="Late parcel").number
        path = db.engine.url.database
        db.session.remove()
    with serving(app) as base:
        opener = logged_in(base, email)
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        try:
            started = time.monotonic()
            page = fetch(opener, f"{base}/staff/tickets/{number}")
            beat = fetch(opener, f"{base}/staff/tickets/{number}/presence", b"{}",
                         {"Content-Type": "application/json"})
            waited = time.monotonic() - started
        finally:
            blocker.rollback()
            blocker.close()
    with app.app_context():
        db.engine.dispose()
    assert page[0] == 200 and b"Late parcel" in page[1]
    assert beat[0] == 200 and json.loads(beat[1])["others"] == []
    assert waited < 5  # half a second each for the presence writes, not the database's 10 s
