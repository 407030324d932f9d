"""What /healthz reports: the database answers, the search index opens, the worker's scheduler is alive.

The worker enqueues its every-minute jobs itself, so the newest of them is its heartbeat; no extra table.
A failing check names itself and the kind of error only (no connection strings, no paths).
"""
from datetime import timedelta

from sqlalchemy import func, select, text

from portal.extensions import db
from portal.jobs.models import Job
from portal.models_base import utcnow

# The jobs the worker's scheduler enqueues every minute (portal/jobs/runner.py every_minute).
HEARTBEAT_TASKS = ("sla.sweep", "mail.poll_all", "assignment.sweep", "csat.send_due")
WORKER_LATE = timedelta(minutes=3)


def _database() -> dict:
    db.session.execute(text("SELECT 1"))
    return {"ok": True}


def _search() -> dict:
    from portal.search import get_index

    return {"ok": True, "documents": get_index().doc_count()}


def _worker() -> dict:
    seen = db.session.scalar(select(func.max(Job.created_at)).where(Job.task.in_(HEARTBEAT_TASKS)))
    if seen is None:
        return {"ok": False, "last_seen": None, "reason": "the worker has never run"}
    ok = utcnow() - seen <= WORKER_LATE
    result = {"ok": ok, "last_seen": seen.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if not ok:
        result["reason"] = "no scheduled job for more than 3 minutes"
    return result


CHECKS = {"database": _database, "search": _search, "worker": _worker}


def report() -> tuple[dict, bool]:
    """Every check's result and whether all of them passed."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports failures, it never raises them
            db.session.rollback()
            results[name] = {"ok": False, "reason": type(exc).__name__}
        if name == "database" and not results[name]["ok"]:
            results["worker"] = {"ok": False, "reason": "database unavailable"}
            break
    healthy = all(result["ok"] for result in results.values())
    return {"status": "ok" if healthy else "failing", "checks": results}, healthy
