"""Full-text search for the help centre and the forum; the only package that imports whoosh.

Services call `get_index()` and then `upsert`, `delete`, `search`, `suggest` or `rebuild`.
Two backends share that interface and the same text analysis: `SearchIndex` (Whoosh, the
default) and `SqliteSearchIndex` (SQLite FTS5, for large communities), chosen by SEARCH_BACKEND.
Both are plain Python, usable from the CLI or a script without a Flask app.
"""
from flask import current_app

from .generations import SearchIndexBusy
from .results import SearchHit, SearchResults
from .sqlite_backend import SqliteSearchIndex
from .whoosh_backend import SearchIndex

BACKENDS = {"whoosh": SearchIndex, "sqlite": SqliteSearchIndex}

__all__ = [
    "BACKENDS",
    "SearchHit",
    "SearchIndex",
    "SearchIndexBusy",
    "SearchResults",
    "SqliteSearchIndex",
    "create_index",
    "get_index",
    "init_app",
]


def create_index(backend: str, base_path: str, *, writer_timeout: float = 10.0):
    """A search index of the named backend under `base_path`; raises ValueError for an unknown name."""
    try:
        index_class = BACKENDS[backend]
    except (KeyError, TypeError):
        raise ValueError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}") from None
    return index_class(base_path, writer_timeout=writer_timeout)


def init_app(app) -> None:
    """Register the SEARCH_BACKEND index on SEARCH_INDEX_PATH; no file is touched until its first use."""
    app.extensions["search"] = create_index(
        app.config.get("SEARCH_BACKEND", "whoosh"),
        app.config["SEARCH_INDEX_PATH"],
        writer_timeout=app.config.get("SEARCH_WRITER_TIMEOUT", 10.0),
    )


def get_index() -> SearchIndex | SqliteSearchIndex:
    """The current app's search index (needs an app context)."""
    return current_app.extensions["search"]
