"""Every behaviour test runs against both backends: `index` is a Whoosh or a SQLite FTS5 index."""
import pytest

from portal.search import BACKENDS, create_index


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    """The name of the backend under test."""
    return request.param


@pytest.fixture
def base(tmp_path):
    """SEARCH_INDEX_PATH of the index under test."""
    return tmp_path / "search"


@pytest.fixture
def open_index(backend, base):
    """Open an index instance on `base`, as another worker of the same site would."""
    def open_(writer_timeout=5):
        return create_index(backend, str(base), writer_timeout=writer_timeout)
    return open_


@pytest.fixture
def index(open_index):
    return open_index()


def generations_dir(backend, base):
    """Where the backend keeps its generations and CURRENT pointer."""
    return base / "sqlite" if backend == "sqlite" else base


def generations(backend, base):
    return sorted(p.name for p in generations_dir(backend, base).glob("gen-*"))
