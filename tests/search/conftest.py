"""Every behaviour test runs against every backend: `index` is a Whoosh, a SQLite FTS5 or a
PostgreSQL index (on a private cluster, a fresh database per test; skipped without PostgreSQL)."""
import itertools
import os

import pytest

from portal.search import BACKENDS, create_index
from tests.postgres_server import postgres_available

_databases = itertools.count(1)


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    """The name of the backend under test."""
    return request.param


@pytest.fixture
def base(tmp_path):
    """SEARCH_INDEX_PATH of the index under test."""
    return tmp_path / "search"


@pytest.fixture(scope="session")
def search_postgres(tmp_path_factory):
    """The session's private PostgreSQL cluster (the same one PORTAL_TEST_DATABASE=postgresql uses)."""
    if not postgres_available():
        pytest.skip("PostgreSQL is not installed (bin/test installs it)")
    from tests.conftest import _postgres_server

    return _postgres_server(tmp_path_factory)


@pytest.fixture
def database_url(request, backend):
    """The site database the index lives in: a new PostgreSQL database for [postgresql], else None."""
    if backend != "postgresql":
        yield None
        return
    server = request.getfixturevalue("search_postgres")
    name = f"search_{os.getpid()}_{next(_databases)}"
    server.execute(f'CREATE DATABASE "{name}"')
    yield server.url(name)
    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def open_index(backend, base, database_url):
    """Open an index instance on `base`, as another worker of the same site would."""
    def open_(writer_timeout=5):
        return create_index(backend, str(base), writer_timeout=writer_timeout, database_url=database_url)
    return open_


@pytest.fixture
def index(open_index):
    return open_index()


def generations_dir(backend, base):
    """Where the file backends keep their generations and CURRENT pointer."""
    return base / "sqlite" if backend == "sqlite" else base


class Layout:
    """The generations of the index under test, its active one and rebuild leftovers."""

    def __init__(self, backend, base, database_url):
        self.backend, self.folder, self.database_url = backend, generations_dir(backend, base), database_url

    def _rows(self, query):
        import psycopg

        from portal.search.postgres_backend import connection_url

        with psycopg.connect(connection_url(self.database_url)) as conn:
            return conn.execute(query).fetchall()

    def generations(self) -> list[str]:
        if self.backend == "postgresql":
            return [name for (name,) in self._rows(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'comptoir_search_gen_%' ORDER BY 1")]
        return sorted(p.name for p in self.folder.glob("gen-*"))

    def current(self) -> str | None:
        """The active generation, as the pointer (CURRENT file or state row) names it."""
        if self.backend == "postgresql":
            return self._rows("SELECT current FROM comptoir_search.state")[0][0]
        return (self.folder / "CURRENT").read_text()

    def rebuild_leftovers(self) -> bool:
        """True when a rebuild marker or journal is left behind."""
        if self.backend == "postgresql":
            return self._rows("SELECT (SELECT rebuilding FROM comptoir_search.state) IS NOT NULL "
                              "OR EXISTS (SELECT 1 FROM comptoir_search.journal)")[0][0]
        return (self.folder / "REBUILDING").exists() or (self.folder / "REBUILDING.journal").exists()


@pytest.fixture
def layout(backend, base, database_url):
    return Layout(backend, base, database_url)
