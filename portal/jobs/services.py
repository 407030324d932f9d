"""Enqueue, run, retry and recover jobs. Every background task goes through here.

A job is a row written in the caller's transaction; huey is told after the commit. The worker claims
a job atomically (queued -> running), so a message delivered twice runs once, and a job whose worker
died (killed mid-task) is found by its lease and runs again.
"""
import os
import socket
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.jobs import queue
from portal.jobs.models import Job, JobStatus
from portal.models_base import utcnow

_HANDLERS = {}  # task name -> (function, max_attempts)


def task(name: str, *, max_attempts: int = 5):
    """Register `function(**args)` as the handler of jobs named `name`."""
    def decorator(function):
        _HANDLERS[name] = (function, max_attempts)
        return function
    return decorator


def enqueue(name: str, *, delay_seconds: int = 0, max_attempts: int | None = None, **args) -> Job:
    """Add a job in the current transaction; the worker is told once it commits. Raises KeyError for an unknown task."""
    _function, default_attempts = _HANDLERS[name]
    job = Job(task=name, args=args, max_attempts=max_attempts or default_attempts, run_after=utcnow() + timedelta(seconds=delay_seconds))
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault("queued_jobs", []).append((job.id, delay_seconds))
    return job


def enqueue_detached(name: str, *, delay_seconds: int = 0, **args) -> int:
    """Queue a job in a transaction of its own (from an after-commit hook, where the session cannot write)."""
    _function, max_attempts = _HANDLERS[name]
    with Session(db.engine) as session:
        job = Job(task=name, args=args, max_attempts=max_attempts,
                  run_after=utcnow() + timedelta(seconds=delay_seconds))
        session.add(job)
        session.commit()
        job_id = job.id
    dispatch(job_id, delay_seconds)
    return job_id


def dispatch(job_id: int, delay_seconds: int = 0) -> None:
    """Hand a job to huey (now or after a delay); a failure here leaves it for recover()."""
    from portal.jobs.runner import run_job

    try:
        if queue.ensure_storage() == "immediate" and delay_seconds:
            return  # no clock in immediate mode: the job waits, queued, for recover() or a manager's retry
        if delay_seconds:
            run_job.schedule((job_id,), delay=delay_seconds)
        else:
            run_job(job_id)
    except Exception as exc:  # the job row is safe; the periodic sweep will hand it over again
        current_app.logger.warning("could not hand job %s to the queue: %s", job_id, exc)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(session, job_id: int) -> Job | None:
    """Take a queued job for this worker (atomic); None when someone else has it or it is done."""
    now = utcnow()
    lease = now + timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    claimed = session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED).values(
        status=JobStatus.RUNNING, worker=worker_name(), started_at=now, locked_until=lease,
        attempts=Job.attempts + 1)).rowcount
    session.commit()
    return session.get(Job, job_id) if claimed else None


def backoff_seconds(attempts: int) -> int:
    """Wait before the next attempt: 30 s, 2 min, 8 min, 32 min... (JOB_RETRY_BASE_SECONDS x 4^n, capped)."""
    config = current_app.config
    return int(min(config["JOB_RETRY_BASE_SECONDS"] * 4 ** max(attempts - 1, 0), config["JOB_RETRY_MAX_SECONDS"]))


def registered(name: str) -> bool:
    return name in _HANDLERS


def handler(name: str):
    return _HANDLERS[name][0]


def finish(session, job: Job, error: str | None) -> int | None:
    """Record the outcome; returns the delay before a retry, or None when there is none to make."""
    job.finished_at, job.locked_until = utcnow(), None
    if error is None:
        job.status, job.error = JobStatus.DONE, None
        session.commit()
        return None
    job.error = error[:4000]
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.FAILED
        session.commit()
        return None
    delay = backoff_seconds(job.attempts)
    job.status, job.run_after = JobStatus.QUEUED, utcnow() + timedelta(seconds=delay)
    session.commit()
    return delay


def retry(job: Job) -> None:
    """A manager's "retry": a failed job gets a fresh set of attempts, now."""
    job.status, job.attempts, job.run_after, job.error = JobStatus.QUEUED, 0, utcnow(), None
    db.session.flush()
    db.session.info.setdefault("queued_jobs", []).append((job.id, 0))


def _alive(worker: str | None) -> bool:
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's worker: only its lease tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(*, stale_queued_seconds: int = 120) -> int:
    """Hand over again every job that was lost: running on a dead worker or past its lease, or queued
    and due but never taken (the process died between commit and hand-over). Returns how many."""
    now = utcnow()
    running = db.session.scalars(select(Job).where(Job.status == JobStatus.RUNNING)).all()
    abandoned = [job for job in running if (job.locked_until and job.locked_until < now) or not _alive(job.worker)]
    for job in abandoned:
        job.status, job.error = JobStatus.QUEUED, f"worker {job.worker} stopped during the task; run again"
    due = now - timedelta(seconds=stale_queued_seconds)
    stale = db.session.scalars(select(Job.id).where(Job.status == JobStatus.QUEUED, Job.run_after < due)).all()
    ids = sorted({job.id for job in abandoned} | set(stale))
    db.session.info.setdefault("queued_jobs", []).extend((job_id, 0) for job_id in ids)
    db.session.flush()
    return len(ids)


def purge_finished(*, days: int) -> int:
    """Delete jobs done more than `days` ago (failed ones stay until retried or dismissed)."""
    cutoff = utcnow() - timedelta(days=days)
    return db.session.execute(Job.__table__.delete().where(
        Job.status == JobStatus.DONE, or_(Job.finished_at < cutoff, Job.finished_at.is_(None)),
        Job.created_at < cutoff)).rowcount


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.in_nested_transaction():  # a savepoint released: the jobs wait for the real commit
        return
    pending = session.info.pop("queued_jobs", None)
    if pending and has_app_context():
        for job_id, delay in pending:
            dispatch(job_id, delay)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    # A rolled-back savepoint keeps the list: a job whose row went with it is found missing and skipped.
    if session.in_nested_transaction():
        return
    session.info.pop("queued_jobs", None)
