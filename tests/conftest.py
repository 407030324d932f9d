"""Fixtures that read as the spec: an app on a real SQLite file and a real Whoosh index in a temp dir."""
import shutil
import socket
import time

import pytest
from sqlalchemy import event

from portal import create_app
from portal.extensions import db

PASSWORD = "correct-horse-9"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A database file upgraded through the real migrations once; each test gets a copy."""
    instance = tmp_path_factory.mktemp("template-instance")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return instance / "portal.db"


@pytest.fixture
def make_app(tmp_path, template_db):
    """Build an app on a fresh copy of the template database; overrides go to create_app."""
    def build(**overrides):
        instance = tmp_path / "instance"
        instance.mkdir(exist_ok=True)
        if not (instance / "portal.db").exists():
            shutil.copy(template_db, instance / "portal.db")
        config = {"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret",
                  "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "MAIL_SERVER": None,
                  "QUEUE_IMMEDIATE": True}
        config.update(overrides)
        return create_app(config)
    return build


@pytest.fixture
def app(make_app):
    app = make_app()

    @app.before_request
    def fresh_g():
        # Requests share the test's app context; start each with an empty `g` as a real request would.
        from flask import g

        for name in list(vars(g)):
            delattr(g, name)

    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Log `client` in through the real login form."""
    def do_login(email, password=PASSWORD):
        response = client.post("/login", data={"email": email, "password": password}, follow_redirects=False)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response
    return do_login


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements, to catch N+1 queries on list pages."""
    import contextlib

    @contextlib.contextmanager
    def counter():
        statements = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return counter


@pytest.fixture(autouse=True)
def _no_stray_smtp(monkeypatch, request):
    """Fail a test that opens an SMTP connection to a server it did not start."""
    import smtplib

    if "smtpd" in request.fixturenames:
        return
    real_init = smtplib.SMTP.__init__

    def guarded(self, host="", port=0, *args, **kwargs):
        if host:
            raise AssertionError(f"test tried to open SMTP to {host}:{port}")
        real_init(self, host, port, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "__init__", guarded)


class Inbox:
    """Keeps every envelope the server accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtpd():
    """A real SMTP server on 127.0.0.1; `.inbox.envelopes` holds what it received."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


def wait_for(envelopes, count=1, timeout=5.0):
    deadline = time.monotonic() + timeout
    while len(envelopes) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(envelopes) >= count, "the SMTP server received nothing"
    return envelopes[count - 1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server on 127.0.0.1 for the session (bin/test installs it from Debian)."""
    from tests.redis_server import RedisServer, redis_available

    if not redis_available():
        pytest.skip("redis-server is not installed (bin/test installs it)")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


class Clock:
    """Moves portal.models_base.utcnow() (every timestamp the product writes or compares) forward."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    def advance(self, **delta):
        from datetime import timedelta

        from portal import models_base

        self.monkeypatch.setattr(models_base, "_clock_offset", models_base._clock_offset + timedelta(**delta))

    def now(self):
        from portal.models_base import utcnow

        return utcnow()


@pytest.fixture
def clock(monkeypatch):
    """Let time pass in a test: clock.advance(hours=5); restored afterwards."""
    return Clock(monkeypatch)
