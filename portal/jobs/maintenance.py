"""Nightly housekeeping run by the worker."""
from flask import current_app

from portal import ratelimit
from portal.jobs import services


@services.task("maintenance.nightly", max_attempts=3)
def nightly() -> None:
    """Purge finished jobs and old rate-limit rows."""
    services.purge_finished(days=current_app.config["JOBS_KEEP_DAYS"])
    ratelimit.purge(older_than_seconds=2 * 24 * 3600)
