"""Full-text search for the help centre and the forum; the only package that imports whoosh.

Services call `get_index()` and then `upsert`, `delete`, `search`, `suggest` or `rebuild`.
Three backends share that interface and the same query handling: `SearchIndex` (Whoosh, the
default), `SqliteSearchIndex` (SQLite FTS5, for large communities) and `PostgresSearchIndex`
(PostgreSQL full-text search in the site's database, for several machines), chosen by
SEARCH_BACKEND. All are plain Python, usable from the CLI or a script without a Flask app.
"""
from collections.abc import Mapping
from importlib import import_module

from flask import current_app

from .generations import SearchIndexBusy
from .results import SearchHit, SearchResults
from .whoosh_backend import SearchIndex


class _Backends(Mapping):
    """Backend name -> index class. The SQLite FTS5 one (2 MB) and the PostgreSQL one (and with it the
    PostgreSQL driver, some 20 MB) are imported only when a site chooses them."""

    _loaded = {"whoosh": SearchIndex}
    _modules = {"sqlite": (".sqlite_backend", "SqliteSearchIndex"),
                "postgresql": (".postgres_backend", "PostgresSearchIndex")}
    _names = ("whoosh", "sqlite", "postgresql")

    def __getitem__(self, name):
        if name in self._modules and name not in self._loaded:
            module, attribute = self._modules[name]
            self._loaded[name] = getattr(import_module(module, __name__), attribute)
        return self._loaded[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self):
        return len(self._names)


BACKENDS = _Backends()


def __getattr__(name):
    if name == "SqliteSearchIndex":
        return BACKENDS["sqlite"]
    if name == "PostgresSearchIndex":
        return BACKENDS["postgresql"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "BACKENDS",
    "PostgresSearchIndex",
    "SearchHit",
    "SearchIndex",
    "SearchIndexBusy",
    "SearchResults",
    "SqliteSearchIndex",
    "create_index",
    "get_index",
    "init_app",
]


def create_index(backend: str, base_path: str, *, writer_timeout: float = 10.0, database_url=None):
    """A search index of the named backend under `base_path` (PostgreSQL: in `database_url`);
    raises ValueError for an unknown name, or for "postgresql" without a PostgreSQL URL."""
    try:
        index_class = BACKENDS[backend]
    except (KeyError, TypeError):  # noqa: B014 - an unhashable name is as unknown as a wrong one
        raise ValueError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}") from None
    options = {"database_url": database_url} if getattr(index_class, "needs_database", False) else {}
    return index_class(base_path, writer_timeout=writer_timeout, **options)


def init_app(app) -> None:
    """Register the SEARCH_BACKEND index on SEARCH_INDEX_PATH (PostgreSQL: in the site's database);
    no file or connection is opened until its first use."""
    app.extensions["search"] = create_index(
        app.config.get("SEARCH_BACKEND", "whoosh"),
        app.config["SEARCH_INDEX_PATH"],
        writer_timeout=app.config.get("SEARCH_WRITER_TIMEOUT", 10.0),
        database_url=app.config.get("SQLALCHEMY_DATABASE_URI"),
    )


def get_index() -> "SearchIndex | SqliteSearchIndex | PostgresSearchIndex":
    """The current app's search index (needs an app context)."""
    return current_app.extensions["search"]
