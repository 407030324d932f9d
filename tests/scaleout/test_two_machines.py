"""Two machines, one PostgreSQL and one Redis: two `portal serve` processes with the same settings (each its
own instance folder, as on two hosts) and, through real HTTP, a rate limit, a presence warning and a live chat
message crossing from one to the other. The module starts its own PostgreSQL (bin/test installs it)."""
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from tests.conftest import PASSWORD, free_port
from tests.postgres_server import PostgresServer, postgres_available

PORTAL = str(Path(sys.executable).with_name("portal"))
AUTH_FAILURES = 3

pytestmark = pytest.mark.skipif(not postgres_available(), reason="PostgreSQL is not installed (bin/test installs it)")


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer(tempfile.mkdtemp(prefix="comptoir-pg-")).start()
    server.execute("CREATE DATABASE scaleout")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def settings(postgres, redis_server):
    """The one set of instance settings both machines run with."""
    redis.Redis.from_url(redis_server.url).flushdb()
    return {"PORTAL_DATABASE_URL": postgres.url("scaleout"), "PORTAL_REDIS_URL": redis_server.url,
            "PORTAL_QUEUE_URL": redis_server.url, "PORTAL_SECRET_KEY": "shared-secret-of-the-site",
            "PORTAL_API_AUTH_FAILURES_PER_MINUTE": str(AUTH_FAILURES), "PORTAL_CHAT_STREAM_SECONDS": "4",
            "PORTAL_PUBLIC_URL": "http://127.0.0.1"}


def machine_env(settings, instance: Path) -> dict:
    instance.mkdir(parents=True, exist_ok=True)
    # HOME too: gunicorn keeps its control socket there, one per host.
    return {**os.environ, **settings, "PORTAL_INSTANCE_PATH": str(instance), "HOME": str(instance)}


@pytest.fixture(scope="module")
def site(settings, tmp_path_factory):
    """Migrate the database, seed two agents, a ticket and a chat, then serve it from machines A and B."""
    root = tmp_path_factory.mktemp("machines")
    subprocess.run([PORTAL, "db", "upgrade"], env=machine_env(settings, root / "a"), check=True,
                   capture_output=True, timeout=300)
    seeded = _seed(settings, root / "a")
    machines, processes = {}, []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = open(root / f"{name}.log", "wb")
            processes.append(subprocess.Popen(
                [PORTAL, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--threads", "4"],
                env=machine_env(settings, root / name), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True))
            machines[name] = f"http://127.0.0.1:{port}"
        for (name, base), process in zip(machines.items(), processes):
            _wait_until_up(base, process, root / f"{name}.log")
        yield {**seeded, **machines, "logs": root}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _seed(settings, instance: Path) -> dict:
    """Agents, a ticket and a chat channel, written through the product's own services."""
    from portal import create_app
    from portal.channels.chat import availability
    from portal.channels.chat import settings as chat_settings
    from portal.extensions import db
    from tests.factories import make_agent, make_ticket

    app = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": settings["PORTAL_DATABASE_URL"],
                      "SECRET_KEY": settings["PORTAL_SECRET_KEY"], "QUEUE_IMMEDIATE": True, "MAIL_SERVER": None})
    with app.app_context():
        ann = make_agent(email="ann@example.com", name="Ann Agent")
        make_agent(email="ben@example.com", name="Ben Agent")
        availability.set_availability(ann, "online")
        chat = chat_settings.save_chat(name="Shop chat", origins_text="https://shop.example", greeting_en="Hello",
                                       greeting_fr="Bonjour", group_id=None, enabled=True)
        ticket = make_ticket(subject="Parcel lost")
        db.session.commit()
        seeded = {"ticket": ticket.number, "chat": chat.id}
        db.session.remove()
        db.engine.dispose()
    return seeded


def _wait_until_up(base, process, log, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)


def call(opener, url, data=None, headers=None, timeout=15):
    """(status, body text) of one request; an HTTP error is an answer too."""
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def browser():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def logged_in(base, email):
    """A browser logged in through the real login form, its CSRF token included."""
    opener = browser()
    _status, page = call(opener, f"{base}/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    status, page = call(opener, f"{base}/login", urllib.parse.urlencode(
        {"csrf_token": token, "email": email, "password": PASSWORD}).encode())
    assert status == 200 and "/staff" in page, page[:500]
    return opener


def rows(postgres, table: str) -> int:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=comptoir dbname=scaleout") as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_client_stopped_on_machine_a_is_stopped_on_machine_b(site, postgres):
    stranger = browser()
    on_a = [call(stranger, f"{site['a']}/api/v1/tickets")[0] for _ in range(AUTH_FAILURES)]
    status, body = call(stranger, f"{site['b']}/api/v1/tickets")
    assert on_a == [401] * AUTH_FAILURES
    assert status == 429 and "Too many calls without a valid token" in body
    assert rows(postgres, "rate_event") == 0  # counted in Redis, not in the database


def test_an_agent_on_a_ticket_on_machine_a_is_shown_to_an_agent_on_machine_b(site, postgres):
    ann, ben = logged_in(site["a"], "ann@example.com"), logged_in(site["b"], "ben@example.com")
    status, _page = call(ann, f"{site['a']}/staff/tickets/{site['ticket']}")
    assert status == 200
    status, page = call(ben, f"{site['b']}/staff/tickets/{site['ticket']}")
    assert status == 200 and "Ann Agent is viewing" in page
    assert rows(postgres, "ticket_presence") == 0  # the beats live in Redis


def test_a_visitor_message_on_machine_a_reaches_the_agents_live_stream_on_machine_b(site):
    visitor, chat = browser(), f"{site['a']}/chat/api/{site['chat']}"
    json_headers = {"Content-Type": "application/json", "Origin": "https://shop.example"}
    status, body = call(visitor, f"{chat}/sessions", json.dumps({"page_url": "https://shop.example/cart",
                                                                 "lang": "en"}).encode(), json_headers)
    assert status == 201, body
    opened = json.loads(body)
    session_headers = {**json_headers, "X-Chat-Token": opened["token"]}

    def say(text):
        message = {"id": str(uuid.uuid4()), "text": text, "name": "Vic", "email": "vic@example.com"}
        status, body = call(visitor, f"{chat}/sessions/{opened['id']}/messages", json.dumps(message).encode(),
                            session_headers)
        assert status == 201, body

    say("Hello, is anyone there?")  # the first message opens the chat's ticket
    ann = logged_in(site["b"], "ann@example.com")
    events = f"{site['b']}/staff/chats/{opened['id']}/events"
    status, body = call(ann, events)
    assert status == 200, body
    last = json.loads(body)["last"]
    received = []
    reader = threading.Thread(target=lambda: received.extend(_read_stream(ann, f"{events}?after={last}",
                                                                          "Where is my parcel 4417?")))
    reader.start()
    time.sleep(0.5)  # the stream is open on machine B before the visitor writes on machine A
    say("Where is my parcel 4417?")
    reader.join(timeout=20)
    assert any("Where is my parcel 4417?" in line for line in received), received


def _read_stream(opener, url, wanted: str) -> list[str]:
    """The data lines of an agent's SSE stream, until one holds `wanted` or the stream ends."""
    lines = []
    request = urllib.request.Request(url, headers={"Accept": "text/event-stream"})
    with opener.open(request, timeout=15) as response:
        for raw in response:
            line = raw.decode()
            if line.startswith("data:"):
                lines.append(line)
                if wanted in line:
                    break
    return lines
