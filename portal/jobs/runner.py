"""The huey tasks: run one job in an app context, and the periodic work declared in one place."""
import logging

from flask import current_app, has_app_context

from portal.extensions import db
from portal.jobs import services
from portal.jobs.models import Job
from portal.jobs.queue import huey  # first: it imports huey without the Redis client

from huey import crontab  # noqa: E402

log = logging.getLogger("portal.jobs")
_app = {"app": None}


def bind(app) -> None:
    """The app whose context every task runs in (the worker's, or the web process's in immediate mode)."""
    _app["app"] = app


def _task_app():
    return current_app._get_current_object() if has_app_context() else _app["app"]


@huey.task()
def run_job(job_id: int) -> None:
    """Claim the job, run its handler, record success or the error (and schedule the retry)."""
    with _task_app().app_context():
        job = services.claim(db.session, job_id)
        if job is None:
            return
        task, args = job.task, dict(job.args or {})
        try:
            services.handler(task)(**args)
            db.session.commit()
            error = None
        except Exception as exc:  # every failure is recorded on the job, none is lost
            db.session.rollback()
            log.warning("job %s (%s) failed: %s", job_id, task, exc, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
        delay = services.finish(db.session, db.session.get(Job, job_id), error)
        if delay is not None:
            services.dispatch(job_id, delay)


# --- periodic work: every schedule of the product is here ----------------------------------------

def _periodic(name: str, **args) -> None:
    if not services.registered(name):
        return
    with _task_app().app_context():
        services.enqueue(name, **args)
        db.session.commit()


@huey.periodic_task(crontab(minute="*"))
def every_minute() -> None:
    """Recover lost jobs; poll the mailboxes; SLA warnings and breaches."""
    with _task_app().app_context():
        services.recover()
        db.session.commit()
    _periodic("mail.poll_all")
    _periodic("sla.sweep")
    _periodic("assignment.sweep")
    _periodic("csat.send_due")
    _periodic("reports.refresh")  # facts and rollups of the tickets changed in the last minute


@huey.periodic_task(crontab(minute="*/5"))
def every_five_minutes() -> None:
    """Time-based automation rules."""
    _periodic("rules.sweep")
    _periodic("reports.self_service")  # today's searches, votes, deflection and article views


@huey.periodic_task(crontab(minute="17", hour="3"))
def nightly() -> None:
    """Housekeeping: purge old rows, merge search segments."""
    _periodic("maintenance.nightly")
    _periodic("reports.nightly")  # the reports' safety net, community counters, the weekly mail
    _periodic("webhooks.purge")
    _periodic("gdpr.retention")  # old closed tickets, webhook payloads and mail originals (portal/gdpr)
