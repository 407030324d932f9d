"""`portal serve`: the site under gunicorn, configured from the command line or the environment.

Threads make gunicorn use its gthread workers, which the live chat's event streams need (each open stream
holds a thread while it waits); one thread means plain sync workers.
"""
from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    """Each worker builds its own app after the fork, so no database connection crosses processes."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from portal import create_app

        return create_app()


def options(*, host: str, port: int, workers: int, threads: int, timeout: int, access_log: str | None) -> dict:
    """gunicorn settings for these choices."""
    chosen = {"bind": f"{host}:{port}", "workers": workers, "threads": threads, "timeout": timeout,
              "worker_class": "gthread" if threads > 1 else "sync", "graceful_timeout": 30,
              "forwarded_allow_ips": "127.0.0.1", "proc_name": "comptoir",
              # gunicorn's control socket lives in the home folder: two sites (or two `portal serve`) on one
              # host would share it. Nothing here uses it.
              "control_socket_disable": True}
    if access_log:
        chosen["accesslog"] = access_log
    return chosen


def run(**choices) -> None:
    """Serve the site until stopped (blocks)."""
    Server(options(**choices)).run()
