"""The read side of the job ledger for the jobs page and `portal jobs list`."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.jobs.models import Job, JobStatus


def status_counts() -> dict[JobStatus, int]:
    """How many jobs are in each status."""
    rows = dict(db.session.execute(select(Job.status, func.count(Job.id)).group_by(Job.status)).all())
    return {status: rows.get(status, 0) for status in JobStatus}


def jobs(status: JobStatus | None = None, *, limit: int = 100) -> list[Job]:
    """The latest jobs, optionally of one status; failed and running first when unfiltered."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status)
    return list(db.session.scalars(query))


def oldest_waiting():
    """When the oldest queued job became due (a worker that is not running shows here)."""
    return db.session.scalar(select(func.min(Job.run_after)).where(Job.status == JobStatus.QUEUED))
