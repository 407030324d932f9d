"""/healthz for load balancers and monitors, and `portal serve` (gunicorn) as the production server."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from portal.extensions import db
from portal.jobs import services as jobs
from tests.conftest import free_port, subprocess_env

PORTAL = str(Path(sys.executable).parent / "portal")


def _health(client):
    response = client.get("/healthz")
    return response.status_code, response.get_json(), response


def test_a_site_whose_worker_never_ran_is_reported_failing_with_the_reason(app, client):
    status, body, response = _health(client)

    assert status == 503 and body["status"] == "failing"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["search"]["ok"] is True
    assert body["checks"]["worker"] == {"ok": False, "last_seen": None, "reason": "the worker has never run"}
    assert response.headers["Cache-Control"] == "no-store"


def test_the_worker_heartbeat_is_its_scheduled_jobs_and_goes_stale_after_three_minutes(app, client, clock):
    jobs.enqueue("sla.sweep")  # what the worker's every-minute schedule does
    db.session.commit()

    status, body, _ = _health(client)
    assert status == 200 and body["status"] == "ok"
    assert body["checks"]["worker"]["ok"] is True and body["checks"]["worker"]["last_seen"].endswith("Z")

    clock.advance(minutes=4)
    status, body, _ = _health(client)
    assert status == 503
    assert body["checks"]["worker"]["reason"] == "no scheduled job for more than 3 minutes"


def test_an_unreachable_database_fails_the_check_without_telling_where_it_is(make_app, tmp_path):
    missing = tmp_path / "no-such-folder" / "portal.db"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    with app.app_context():
        response = app.test_client().get("/healthz")
        db.session.remove()
        db.engine.dispose()

    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == {"ok": False, "reason": "OperationalError"}
    assert body["checks"]["worker"]["ok"] is False
    assert "no-such-folder" not in response.get_data(as_text=True)


def _get(url: str, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_portal_serve_runs_gunicorn_workers_that_answer_and_stop_cleanly(app, tmp_path):
    port = free_port()
    env = subprocess_env(app)
    log = open(tmp_path / "serve.log", "wb")
    process = subprocess.Popen([PORTAL, "serve", "--port", str(port), "--workers", "2", "--threads", "4"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "portal serve did not start"
                time.sleep(0.2)
        checks = json.loads(body)["checks"]
        assert checks["database"]["ok"] and checks["search"]["ok"]
        status, page = _get(f"http://127.0.0.1:{port}/help/en/")
        assert status == 200 and b"<html" in page
        output = (tmp_path / "serve.log").read_text()
        assert "Using worker: gthread" in output
        assert output.count("Booting worker with pid") == 2
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        code = process.wait(timeout=40)
        log.close()
    assert code == 0
