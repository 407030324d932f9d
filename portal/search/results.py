"""What every search backend returns, and the limits they all apply to user input."""
from dataclasses import dataclass, field

from markupsafe import Markup

MAX_QUERY_CHARS = 256
MAX_PER_PAGE = 100
MAX_RESULTS = 10_000
MAX_SUGGEST_WORDS = 6


@dataclass
class SearchHit:
    """One result: what a results page shows, plus every stored field in `fields`."""

    id: str
    kind: str
    lang: str
    slug: str | None
    title: str
    category: str | None
    score: float
    snippet: Markup
    fields: dict = field(repr=False)


@dataclass
class SearchResults:
    """One page of results; `corrected` means the hits are for `suggestion`, not `query`."""

    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    pages: int
    query: str
    suggestion: str | None = None
    corrected: bool = False


def as_int(value, default: int) -> int:
    """`value` as an int, or `default` for anything that is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default
