"""A private PostgreSQL cluster (from Debian) on 127.0.0.1 for the suite's PostgreSQL run.

`PORTAL_TEST_DATABASE=postgresql` runs the whole suite on it: the migrations build a template database once
per test process, and each test gets its own database copied from it (CREATE DATABASE ... TEMPLATE).
The cluster runs as the `postgres` system user when the tests run as root (PostgreSQL refuses root).
"""
import glob
import itertools
import os
import queue
import shutil
import socket
import subprocess
import threading
import time

TEMPLATE = "comptoir_template"
_names = itertools.count(1)
AHEAD = 2  # template copies kept ready


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def postgres_available() -> bool:
    return _bin("initdb") is not None and _bin("pg_ctl") is not None


class PostgresServer:
    """initdb in a temporary folder, trust authentication on 127.0.0.1 only, durability off for speed."""

    def __init__(self, folder):
        self.folder = str(folder)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.data = os.path.join(self.folder, "data")
        self._jobs, self._ready, self._thread = queue.Queue(), queue.Queue(), None

    def _run(self, *command):
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=120)

    def start(self):
        self._run(_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "comptoir", "-E", "UTF8",
                  "--locale=C.UTF-8")
        options = (f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._run(_bin("pg_ctl"), "-D", self.data, "-o", options, "-l", os.path.join(self.folder, "log"), "-w",
                  "start")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.execute("SELECT 1")
                return self
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start on port {self.port}")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://comptoir@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=comptoir dbname={database}",
                             autocommit=True) as conn:
            conn.execute(sql)

    def _create(self, source: str) -> str:
        name = f"test_{os.getpid()}_{next(_names)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return self.url(name)

    def _background(self):
        """Copies of the template made ahead, and drops, off the tests' path (each takes a few 100 ms)."""
        while True:
            job = self._jobs.get()
            if job is None:
                return
            kind, name = job
            try:
                if kind == "create":
                    self._ready.put(self._create(name))
                else:
                    self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # handed to the test that waits for this copy
                if kind == "create":
                    self._ready.put(exc)

    def copy_of(self, source: str) -> str:
        """A new database copied from `source` (a name, or a URL of ours); returns its URL."""
        source = source.rsplit("/", 1)[-1]
        if source != TEMPLATE:
            return self._create(source)
        if self._thread is None:
            self._thread = threading.Thread(target=self._background, daemon=True)
            self._thread.start()
            for _ in range(AHEAD):
                self._jobs.put(("create", TEMPLATE))
        ready = self._ready.get(timeout=120)
        self._jobs.put(("create", TEMPLATE))
        if isinstance(ready, Exception):
            raise ready
        return ready

    def drop(self, url: str) -> None:
        self._jobs.put(("drop", url.rsplit("/", 1)[1]))

    def stop(self):
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=30)
        try:
            self._run(_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
