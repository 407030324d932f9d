"""The real huey consumer (`portal worker`) in a subprocess, on the test's instance folder."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.extensions import db
from portal.jobs.models import Job
from tests.conftest import PG_DATABASE

PORTAL = str(Path(sys.executable).parent / "portal")


class Worker:
    """Starts, kills and restarts `portal worker` with the given PORTAL_* settings."""

    def __init__(self, instance: Path, settings: dict):
        self.instance, self.settings, self.process = instance, settings, None

    def start(self):
        env = {**os.environ, "PORTAL_INSTANCE_PATH": str(self.instance), "PORTAL_SECRET_KEY": "test-secret"}
        if (self.instance / PG_DATABASE).exists():  # the PostgreSQL run: the worker uses the test's database
            env["PORTAL_DATABASE_URL"] = (self.instance / PG_DATABASE).read_text()
        env.update({f"PORTAL_{key}": str(value) for key, value in self.settings.items()})
        self.log = open(self.instance / "worker.log", "ab")
        self.process = subprocess.Popen([PORTAL, "worker", "--threads", "2"], env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self):
        """SIGKILL: the worker gets no chance to finish or clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process:
            self.log.close()

    def output(self) -> str:
        return (self.instance / "worker.log").read_text(errors="replace")


@pytest.fixture
def worker_app(make_app, tmp_path, request):
    """An app whose jobs go to the SQLite queue under instance/ (not immediate), with its settings."""
    settings = {"QUEUE_IMMEDIATE": "false", "SERVER_NAME": "localhost", "JOB_RETRY_BASE_SECONDS": 1,
                "JOB_RETRY_MAX_SECONDS": 2}
    settings.update(getattr(request, "param", {}))
    overrides = {key: _parse(value) for key, value in settings.items()}
    app = make_app(**overrides)
    app.worker_settings = settings
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _parse(value):
    import json

    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


@pytest.fixture
def worker(worker_app, tmp_path):
    """Start/kill/restart the consumer; always stopped at the end."""
    workers = []

    def start(**extra):
        handle = Worker(tmp_path / "instance", {**worker_app.worker_settings, **extra}).start()
        workers.append(handle)
        return handle
    yield start
    for handle in workers:
        handle.stop()


def wait_until(check, timeout=20.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def job_of(task: str) -> Job | None:
    return db.session.query(Job).filter_by(task=task).order_by(Job.id.desc()).first()
