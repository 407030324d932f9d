"""The worker for real: mail goes out through it, failures retry then stay visible, a killed worker loses nothing."""
import asyncio

import pytest

from portal.accounts.models import Role
from portal.accounts.services import request_password_reset
from portal.extensions import db
from portal.jobs.models import JobStatus
from portal.mail import MailStatus, OutgoingMail
from tests.conftest import free_port
from tests.factories import PASSWORD, make_user
from tests.jobs.conftest import job_of, wait_until


class SlowOnceInbox:
    """An SMTP handler that stalls the first delivery (the worker is killed meanwhile), then accepts."""

    def __init__(self, stall_first: bool):
        self.envelopes, self.stall = [], stall_first
        self.stalled = 0

    async def handle_DATA(self, server, session, envelope):
        if self.stall:
            self.stalled += 1
            await asyncio.sleep(30)
            return "451 try again later"
        self.envelopes.append(envelope)
        return "250 Message accepted"


def smtp_server(handler, port):
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


SMTP_PORT = free_port()


@pytest.mark.parametrize("worker_app", [{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": SMTP_PORT}], indirect=True)
def test_the_worker_delivers_mail_queued_by_the_site(worker_app, worker):
    inbox = SlowOnceInbox(stall_first=False)
    server = smtp_server(inbox, SMTP_PORT)
    try:
        user = make_user(email="rose@example.com")
        request_password_reset(email=user.email, ip="10.0.0.1")
        db.session.commit()
        assert job_of("mail.deliver").status == JobStatus.QUEUED  # nothing is sent by the web process itself
        worker()
        wait_until(lambda: inbox.envelopes, what="the mail at the SMTP server")
        assert b"Choose a new password" in inbox.envelopes[0].content
        mail = wait_until(lambda: db.session.query(OutgoingMail).filter_by(status=MailStatus.SENT).first())
        assert mail.to == "rose@example.com"
        assert wait_until(lambda: job_of("mail.deliver").status == JobStatus.DONE)
    finally:
        server.stop()


@pytest.mark.parametrize("worker_app", [{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_MAX_ATTEMPTS": 3}],
                         indirect=True)
def test_a_failing_mail_is_retried_then_shown_failed_and_a_manager_retries_it(worker_app, worker):
    manager = make_user(role=Role.MANAGER, email="boss@example.com")
    make_user(email="rose@example.com")
    request_password_reset(email="rose@example.com", ip="10.0.0.1")
    db.session.commit()
    worker()
    job = wait_until(lambda: (j := job_of("mail.deliver")) and j.status == JobStatus.FAILED and j,
                     what="the job to fail after its attempts")
    assert job.attempts == 3 and "Connection refused" in job.error
    mail = db.session.query(OutgoingMail).filter_by(to="rose@example.com").one()
    assert mail.status == MailStatus.FAILED and "Connection refused" in mail.error

    client = worker_app.test_client()  # not the `client` fixture: its app would run jobs in this process
    client.post("/login", data={"email": manager.email, "password": PASSWORD})
    page = client.get("/staff/settings/jobs/?status=failed").get_data(as_text=True)
    assert "mail.deliver" in page and "Connection refused" in page and "Retry" in page

    inbox = SlowOnceInbox(stall_first=False)
    server = smtp_server(inbox, worker_app.config["MAIL_PORT"])
    try:
        response = client.post(f"/staff/settings/jobs/{job.id}/retry", follow_redirects=True)
        assert f"Job {job.id} is queued again." in response.get_data(as_text=True)
        wait_until(lambda: inbox.envelopes, what="the retried mail")
        assert wait_until(lambda: job_of("mail.deliver").status == JobStatus.DONE)
        assert db.session.get(OutgoingMail, mail.id).status == MailStatus.SENT
    finally:
        server.stop()


@pytest.mark.parametrize("worker_app", [{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port()}], indirect=True)
def test_a_worker_killed_mid_task_runs_the_task_again_after_restart(worker_app, worker):
    inbox = SlowOnceInbox(stall_first=True)
    server = smtp_server(inbox, worker_app.config["MAIL_PORT"])
    try:
        make_user(email="rose@example.com")
        request_password_reset(email="rose@example.com", ip="10.0.0.1")
        db.session.commit()
        first = worker()
        wait_until(lambda: inbox.stalled and job_of("mail.deliver").status == JobStatus.RUNNING,
                   what="the delivery to be under way")
        first.kill()
        assert job_of("mail.deliver").status == JobStatus.RUNNING  # the ledger still says so: nothing lost

        inbox.stall = False
        worker()
        wait_until(lambda: inbox.envelopes, what="the mail after the restart")
        job = wait_until(lambda: (j := job_of("mail.deliver")) and j.status == JobStatus.DONE and j)
        assert job.attempts == 2 and len(inbox.envelopes) == 1
    finally:
        server.stop()


def test_the_jobs_page_is_for_managers_only(app, client, login):
    agent = make_user(role=Role.AGENT)
    login(agent.email)
    assert client.get("/staff/settings/jobs/").status_code == 404


def test_the_worker_refuses_to_start_in_immediate_mode(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 2 and "QUEUE_IMMEDIATE" in result.output
