"""Index generations on disk: base/gen-*/ directories and a CURRENT pointer replaced atomically.

A rebuild writes a REBUILDING marker; while it exists, writers also append their changes to a
journal that the rebuild replays into the new generation just before the swap, so no edit made
during a rebuild is lost.
"""
import json
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import create_in
from whoosh.util.filelock import FileLock, try_for

POINTER = "CURRENT"
MARKER = "REBUILDING"
JOURNAL = "REBUILDING.journal"
POINTER_LOCK = "pointer.lock"
REBUILD_LOCK = "rebuild.lock"
PREFIX = "gen-"


class SearchIndexBusy(RuntimeError):
    """Another process held the search index lock for longer than the writer timeout."""


class Generations:
    """The directory layout of one search index; knows nothing about documents."""

    def __init__(self, base_path):
        self.base = Path(base_path)

    def path(self, name: str) -> str:
        return str(self.base / name)

    def current(self) -> str | None:
        """Name of the active generation, or None before the first one exists."""
        try:
            return (self.base / POINTER).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def ensure_current(self, schema, timeout: float) -> str:
        """Return the active generation, creating an empty first one on a fresh base path."""
        name = self.current()
        if name:
            return name
        self.base.mkdir(parents=True, exist_ok=True)
        with self.lock(POINTER_LOCK, timeout):
            name = self.current()
            if not name:
                name = self.create(schema)
                self._write_pointer(name)
        return name

    def create(self, schema) -> str:
        """Create an empty generation directory (not yet active) and return its name."""
        self.base.mkdir(parents=True, exist_ok=True)
        name = f"{PREFIX}{time.time_ns()}-{os.getpid()}-{secrets.token_hex(3)}"
        os.mkdir(self.base / name)
        self.initialise(self.path(name), schema)
        return name

    def initialise(self, path: str, schema) -> None:
        """Create an empty index in the new generation directory `path`."""
        create_in(path, schema)

    def swap(self, name: str, timeout: float) -> None:
        """Make `name` the active generation; readers pick it up on their next call."""
        with self.lock(POINTER_LOCK, timeout):
            self._write_pointer(name)

    def _write_pointer(self, name: str) -> None:
        tmp = self.base / f".{POINTER}.{os.getpid()}.{secrets.token_hex(3)}"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, self.base / POINTER)

    def remove_except(self, keep: str) -> None:
        """Delete every other generation; a reader elsewhere may still hold files, so never fail."""
        for entry in self.base.glob(f"{PREFIX}*"):
            if entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)

    def discard(self, name: str) -> None:
        shutil.rmtree(self.base / name, ignore_errors=True)

    @contextmanager
    def lock(self, filename: str, timeout: float):
        """Hold an inter-process file lock, raising SearchIndexBusy after `timeout` seconds."""
        self.base.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.base / filename))
        if not try_for(lock.acquire, timeout=timeout, delay=0.05):
            raise SearchIndexBusy(f"search index lock {self.base / filename} held over {timeout}s")
        try:
            yield
        finally:
            lock.release()

    # Rebuild journal

    def start_rebuild(self, name: str) -> None:
        (self.base / JOURNAL).unlink(missing_ok=True)
        (self.base / MARKER).write_text(name, encoding="utf-8")

    def finish_rebuild(self) -> None:
        (self.base / MARKER).unlink(missing_ok=True)
        (self.base / JOURNAL).unlink(missing_ok=True)

    def rebuilding(self) -> bool:
        """True while a live rebuild runs; a marker left by a crashed rebuild is cleared."""
        if not (self.base / MARKER).exists():
            return False
        lock = FileLock(str(self.base / REBUILD_LOCK))
        if not lock.acquire():
            return True
        try:
            self.finish_rebuild()
        finally:
            lock.release()
        return False

    def journal(self, record: dict) -> None:
        """Append one change; the caller holds the active generation's write lock."""
        with open(self.base / JOURNAL, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def journal_records(self) -> list[dict]:
        try:
            lines = (self.base / JOURNAL).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]


def replayed(records: list[dict]) -> dict:
    """The last state of each id the journal touched: its document, or None once deleted."""
    final = {}
    for record in records:
        if record["op"] == "upsert":
            final.update((str(doc["id"]), doc) for doc in record["docs"])
        elif record["op"] == "delete":
            final.update((doc_id, None) for doc_id in record["ids"])
    return final
