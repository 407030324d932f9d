"""Managers: the background jobs (queued, running, failed with the error) and a retry button."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.extensions import db
from portal.jobs import queries, services
from portal.jobs.models import Job, JobStatus
from portal.models_base import utcnow
from portal.staff.access import permission_required

bp = Blueprint("jobs", __name__, url_prefix="/staff/settings/jobs")


def _status_filter() -> JobStatus | None:
    value = request.args.get("status", "")
    return JobStatus(value) if value in {s.value for s in JobStatus} else None


@bp.route("/")
@permission_required("settings.manage")
def index():
    """The job list, by status."""
    status = _status_filter()
    return render_template("jobs/index.html", jobs=queries.jobs(status), counts=queries.status_counts(),
                           status=status, oldest=queries.oldest_waiting(), now=utcnow())


@bp.route("/<int:job_id>/retry", methods=["POST"])
@permission_required("settings.manage")
def retry(job_id):
    """Run a failed job again now."""
    job = db.session.get(Job, job_id) or abort(404)
    if job.status != JobStatus.FAILED:
        flash(_("Only a failed job can be retried."), "error")
    else:
        services.retry(job)
        db.session.commit()
        flash(_("Job %(id)s is queued again.", id=job_id), "success")
    return redirect(url_for("jobs.index", status="failed"))
