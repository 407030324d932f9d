"""Help-center search: the search engine's results joined to articles, and every search logged."""
from dataclasses import dataclass

from portal.kb import services
from portal.search import SearchResults, get_index


@dataclass
class HelpSearch:
    results: SearchResults
    log_id: int | None


def search_help(query: str, *, lang: str, category: str | None = None, page: int = 1,
                per_page: int = 10, log: bool = True) -> HelpSearch:
    """Search published articles in `lang`; logs the query with its result count (flushes)."""
    query = (query or "").strip()[:200]
    results = get_index().search(query, lang=lang, kinds=("article",), category=category or None,
                                 page=max(page, 1), per_page=per_page)
    log_id = None
    if log and query and page == 1:
        log_id = services.log_search(query=query, lang=lang, result_count=results.total).id
    return HelpSearch(results=results, log_id=log_id)


def suggest_help(text: str, *, lang: str, limit: int = 5) -> list[dict]:
    """As-you-type suggestions: [{title, url, summary}] of published articles."""
    text = (text or "").strip()[:100]
    if len(text) < 2:
        return []
    return [{"title": hit["title"], "url": hit.get("url") or f"/help/{lang}/articles/{hit['slug']}",
             "summary": hit.get("summary", "")}
            for hit in get_index().suggest(text, lang=lang, kinds=("article",), limit=limit)]
