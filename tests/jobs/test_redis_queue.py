"""PORTAL_QUEUE_URL=redis://…: the site queues into Redis, a worker on another "machine" (process) runs it."""
import redis

from portal.accounts.services import request_password_reset
from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import JobStatus
from portal.mail import MailStatus, OutgoingMail
from tests.conftest import free_port
from tests.factories import make_user
from tests.jobs.conftest import Worker, job_of, wait_until
from tests.jobs.test_worker import SlowOnceInbox, smtp_server


def test_jobs_go_through_redis_when_the_queue_url_says_so(make_app, tmp_path, redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    port = free_port()
    settings = {"QUEUE_IMMEDIATE": "false", "QUEUE_URL": redis_server.url, "SERVER_NAME": "localhost",
                "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    app = make_app(QUEUE_IMMEDIATE=False, QUEUE_URL=redis_server.url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    inbox = SlowOnceInbox(stall_first=False)
    server = smtp_server(inbox, port)
    worker = None
    try:
        with app.app_context():
            make_user(email="rose@example.com")
            request_password_reset(email="rose@example.com", ip="10.0.0.1")
            db.session.commit()
            assert queue.ensure_storage() == "redis"
            assert queue.pending_count() == 1  # waiting in Redis, not in a file under instance/
            assert client.dbsize() >= 1
            assert not (tmp_path / "instance" / "queue.db").exists()
            assert job_of("mail.deliver").status == JobStatus.QUEUED

            worker = Worker(tmp_path / "instance", settings).start()
            wait_until(lambda: inbox.envelopes, what="the mail delivered by the worker reading Redis")
            assert b"Choose a new password" in inbox.envelopes[0].content
            assert wait_until(lambda: job_of("mail.deliver").status == JobStatus.DONE)
            assert db.session.query(OutgoingMail).one().status == MailStatus.SENT
            # The worker's own schedule may enqueue its every-minute jobs meanwhile; it takes them at once.
            assert wait_until(lambda: queue.pending_count() == 0, what="the Redis queue drained")
            db.session.remove()
    finally:
        if worker:
            worker.stop()
        server.stop()
        with app.app_context():
            db.engine.dispose()
