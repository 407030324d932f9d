"""Background jobs on huey: a Job row per unit of work (visible, retried, never silently lost)."""


def init_app(app):
    """Point the queue at this app's storage and run tasks in its context."""
    from portal.jobs import queue, runner

    queue.configure(app)
    runner.bind(app)
