"""`portal worker` runs the consumer; `portal jobs` lists and retries jobs."""
import json
import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from portal.extensions import db
from portal.jobs import memory, queries, queue, services
from portal.jobs.models import Job, JobStatus

jobs_cli = AppGroup("jobs", help="Background jobs: list and retry.")


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Tasks run at once (default WORKER_THREADS).")
@with_appcontext
def worker_command(threads):
    """Run the background worker (mail, mailbox polling, retries, schedules) until stopped."""
    app = current_app._get_current_object()
    if app.config.get("QUEUE_IMMEDIATE"):
        click.echo("error: QUEUE_IMMEDIATE is set: jobs run in the web process, there is nothing to consume", err=True)
        sys.exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    mode = queue.ensure_storage()
    recovered = services.recover(stale_queued_seconds=0)  # what a killed worker left behind runs again
    db.session.commit()
    db.session.remove()
    click.echo(f"worker: {mode} queue, {recovered} job(s) handed over again", err=True)
    memory.release_after_tasks(queue.huey, app)
    consumer = queue.huey.create_consumer(workers=threads or app.config["WORKER_THREADS"], worker_type="thread",
                                          periodic=True, check_worker_health=True)
    consumer.run()


@jobs_cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in JobStatus]), default=None)
@click.option("--json", "as_json", is_flag=True)
def list_command(status, as_json):
    """List the latest jobs."""
    rows = queries.jobs(JobStatus(status) if status else None)
    if as_json:
        click.echo(json.dumps([{"id": j.id, "task": j.task, "status": j.status.value, "attempts": j.attempts,
                                "error": j.error} for j in rows], indent=2))
        return
    for job in rows:
        click.echo(f"{job.id}\t{job.task}\t{job.status.value}\t{job.attempts}/{job.max_attempts}\t{job.error or ''}")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def retry_command(job_id):
    """Queue a failed job again."""
    job = db.session.get(Job, job_id)
    if job is None or job.status != JobStatus.FAILED:
        click.echo(f"error: job {job_id}: no failed job with this id", err=True)
        sys.exit(1)
    services.retry(job)
    db.session.commit()
    click.echo(f"job {job_id} queued again")
