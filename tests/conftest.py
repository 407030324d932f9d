"""Fixtures that read as the spec: an app on a real SQLite file and a real Whoosh index in a temp dir.

With PORTAL_TEST_DATABASE=postgresql the same tests run on a private PostgreSQL cluster instead (each test on
its own database copied from a migrated template), the path for shops on several machines.
"""
import os
import shutil
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from portal import create_app
from portal.extensions import db

PASSWORD = "correct-horse-9"


DATABASE = os.environ.get("PORTAL_TEST_DATABASE", "sqlite")
PG_DATABASE, PG_TEMPLATE = ".test-database", ".test-template"  # marker files in a PostgreSQL test's instance
_postgres = None


def _postgres_server(tmp_path_factory):
    global _postgres
    if _postgres is None:
        from tests.postgres_server import PostgresServer, postgres_available

        if not postgres_available():
            pytest.exit("PORTAL_TEST_DATABASE=postgresql needs PostgreSQL (bin/test installs it)", returncode=3)
        import tempfile

        # Not under pytest's temporary folder: that one is private to this user, and the cluster may run as
        # the postgres user.
        _postgres = PostgresServer(tempfile.mkdtemp(prefix="comptoir-pg-")).start()
    return _postgres


def pytest_collection_modifyitems(config, items):
    if DATABASE == "sqlite":
        return
    skip = pytest.mark.skip(reason="about SQLite itself (query plans, file locks)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session):
    if _postgres is not None:
        _postgres.stop()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A database upgraded through the real migrations once; each test gets a copy (a file, or on
    PostgreSQL a database made from it)."""
    instance = tmp_path_factory.mktemp("template-instance")
    config = {"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test"}
    if DATABASE == "postgresql":
        from tests.postgres_server import TEMPLATE

        server = _postgres_server(tmp_path_factory)
        server.execute(f"CREATE DATABASE {TEMPLATE}")
        config["SQLALCHEMY_DATABASE_URI"] = server.url(TEMPLATE)
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return instance / "portal.db"


def place_database(template_db, instance: Path) -> dict:
    """Give `instance` its own copy of the test database; returns the create_app settings that use it.

    SQLite: the template file copied in. PostgreSQL: a database made from the template (or from the database
    named in the instance's .test-template, e.g. the browser tests' starter help center), named in
    .test-database so every app built on this instance in the test shares it.
    """
    if DATABASE != "postgresql":
        if not (instance / "portal.db").exists():
            shutil.copy(template_db, instance / "portal.db")
        return {}
    from tests.postgres_server import TEMPLATE

    marker = instance / PG_DATABASE
    if not marker.exists():
        source = (instance / PG_TEMPLATE).read_text() if (instance / PG_TEMPLATE).exists() else TEMPLATE
        marker.write_text(_postgres.copy_of(source))
    return {"SQLALCHEMY_DATABASE_URI": marker.read_text()}


def subprocess_env(app) -> dict:
    """Environment for a `portal ...` subprocess on this test's instance and database."""
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(app.instance_path), "PORTAL_SECRET_KEY": "test-secret"}
    if DATABASE == "postgresql":
        env["PORTAL_DATABASE_URL"] = app.config["SQLALCHEMY_DATABASE_URI"]
    return env


@pytest.fixture
def make_app(tmp_path, template_db):
    """Build an app on a fresh copy of the template database; overrides go to create_app."""
    def build(**overrides):
        instance = tmp_path / "instance"
        instance.mkdir(exist_ok=True)
        database = place_database(template_db, instance)
        config = {"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret",
                  "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "MAIL_SERVER": None,
                  "QUEUE_IMMEDIATE": True, **database,
                  # Test receivers (pytest-httpserver) listen on 127.0.0.1, which production refuses.
                  "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": True}
        config.update(overrides)
        return create_app(config)
    yield build
    marker = tmp_path / "instance" / PG_DATABASE
    if DATABASE == "postgresql" and marker.exists():
        _postgres.drop(marker.read_text())


def serve_in_context(app):
    """Yield `app` inside its app context, as the `app` fixture does, and tidy up after."""
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
def app(make_app):
    yield from serve_in_context(make_app())


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
