"""Full-text search for the help centre and the forum; the only package that imports whoosh.

Services call `get_index()` and then `upsert`, `delete`, `search`, `suggest` or `rebuild`.
`SearchIndex` itself is plain Python, usable from the CLI or a script without a Flask app.
"""
from flask import current_app

from .generations import SearchIndexBusy
from .whoosh_backend import SearchHit, SearchIndex, SearchResults

__all__ = [
    "SearchHit",
    "SearchIndex",
    "SearchIndexBusy",
    "SearchResults",
    "get_index",
    "init_app",
]


def init_app(app) -> None:
    """Register a SearchIndex on SEARCH_INDEX_PATH; no file is touched until its first use."""
    app.extensions["search"] = SearchIndex(
        app.config["SEARCH_INDEX_PATH"],
        writer_timeout=app.config.get("SEARCH_WRITER_TIMEOUT", 10.0),
    )


def get_index() -> SearchIndex:
    """The current app's SearchIndex (needs an app context)."""
    return current_app.extensions["search"]
