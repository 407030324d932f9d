"""Nightly housekeeping run by the worker."""
from datetime import timedelta

from flask import current_app

from portal import ratelimit
from portal.channels.chat import events as chat_events
from portal.extensions import db
from portal.jobs import services
from portal.models_base import utcnow


@services.task("maintenance.nightly", max_attempts=3)
def nightly() -> None:
    """Purge finished jobs, old rate-limit rows and live-chat events older than CHAT_EVENT_HOURS."""
    services.purge_finished(days=current_app.config["JOBS_KEEP_DAYS"])
    ratelimit.purge(older_than_seconds=2 * 24 * 3600)
    from portal.api import idempotency

    idempotency.purge()  # Idempotency-Keys are kept 24 hours
    cutoff = utcnow() - timedelta(hours=current_app.config["CHAT_EVENT_HOURS"])
    while chat_events.purge_before(cutoff) == chat_events.PURGE_BATCH:
        db.session.commit()  # a batch per transaction: chats writing meanwhile wait for a short one only
