"""The job ledger: what the worker was asked to do, and what became of it."""
import enum
from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models_base import enum_column, utcnow


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    """One unit of background work; `task` names a registered handler, `args` its keyword arguments."""

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(80))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the consumer running it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)  # next attempt, after a backoff
    started_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]  # a running job past this is taken as abandoned
    finished_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_job_status_run_after", "status", "run_after"),
                      Index("ix_job_task_created", "task", "created_at"))
