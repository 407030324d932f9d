"""Webhook fixtures: a manager, subscriptions, and a real local HTTP server that keeps what it received."""
import json
import re
import threading
from pathlib import Path

import pytest
from werkzeug import Response

from portal.accounts.models import Role
from portal.extensions import db
from portal.webhooks import services
from tests.factories import make_user
from tests.jobs.conftest import worker, worker_app  # noqa: F401  (the real `portal worker`, for test_worker.py)

DOCS = Path(__file__).parents[2] / "docs" / "webhooks.md"


@pytest.fixture
def manager(login):
    user = make_user(role=Role.MANAGER, email="boss@example.com")
    login(user.email)
    return user


class Receiver:
    """What a webhook receiver got: each request's headers, raw body and parsed JSON, in order."""

    def __init__(self, httpserver, path="/hooks/comptoir"):
        self.httpserver, self.path, self.requests, self.statuses = httpserver, path, [], []
        self.lock = threading.Lock()
        httpserver.expect_request(path, method="POST").respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.httpserver.url_for(self.path)

    def answer(self, *statuses: int) -> "Receiver":
        """Answer these statuses in turn, then 200."""
        self.statuses.extend(statuses)
        return self

    def _handle(self, request):
        with self.lock:
            self.requests.append({"headers": dict(request.headers), "body": request.get_data()})
            status = self.statuses.pop(0) if self.statuses else 200
        return Response("ok" if status < 400 else "receiver broke", status=status)

    def events(self, event_type=None) -> list[dict]:
        found = [json.loads(r["body"]) for r in self.requests]
        return [e for e in found if event_type is None or e["type"] == event_type]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events()]


@pytest.fixture
def receiver(httpserver):
    return Receiver(httpserver)


@pytest.fixture
def subscribe():
    """Add a subscription (all events unless told) and commit, in the test's app; returns (subscription, secret)."""
    def add(url, events=None, include_notes=False, name="Shop ERP"):
        subscription, secret = services.create_subscription(
            name=name, url=url, events=events or list(services.payloads.EVENT_TYPES), include_notes=include_notes)
        db.session.commit()
        return subscription, secret
    return add


@pytest.fixture(scope="session")
def documented_verify():
    """The `verify` function of docs/webhooks.md, run as written: the receivers' recipe is tested as such."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    return namespace["verify"]
