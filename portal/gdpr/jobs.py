"""The worker's task for the retention rules (queued nightly by portal/jobs/runner.py)."""
from portal.gdpr import service
from portal.jobs import services


@services.task("gdpr.retention", max_attempts=3)
def retention() -> None:
    """Apply the retention rules (the runner commits)."""
    service.apply_retention()
