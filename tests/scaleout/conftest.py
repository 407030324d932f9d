"""Redis for the several-machines tests: the session's redis-server emptied for each test, and Redis's
failure memory (portal.redis_store) reset so one test's outage is not the next one's."""
import pytest
import redis

from portal import redis_store


@pytest.fixture(autouse=True)
def _fresh_redis_store(monkeypatch):
    """Each test's Redis clients and outages are its own (a stopped server's connections are not reused)."""
    monkeypatch.setattr(redis_store, "_clients", {})
    monkeypatch.setattr(redis_store, "_down_until", {})


@pytest.fixture
def redis_url(redis_server):
    redis.Redis.from_url(redis_server.url).flushdb()
    return redis_server.url


@pytest.fixture
def dead_redis_url():
    """A Redis URL where nothing listens (connection refused at once)."""
    from tests.conftest import free_port

    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def app_with_redis(make_app):
    """Build an app whose REDIS_URL is `url` (other settings as overrides), inside its app context."""
    from contextlib import ExitStack

    from portal.extensions import db

    stack = ExitStack()

    def build(url, **overrides):
        app = make_app(REDIS_URL=url, **overrides)

        @app.before_request
        def fresh_g():  # requests share the test's app context: each starts with an empty `g`, as in production
            from flask import g

            for name in list(vars(g)):
                delattr(g, name)
        stack.enter_context(app.app_context())
        stack.callback(db.engine.dispose)
        stack.callback(db.session.remove)
        return app
    with stack:
        yield build
