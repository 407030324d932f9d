"""Help-center search: the search engine's results joined to articles, and every search logged."""
from dataclasses import dataclass

from portal.kb import services
from portal.search import SearchResults, get_index


ANSWER_BOOST = {"accepted": 1.5, "official": 1.3}  # community answers ranked higher


@dataclass
class HelpSearch:
    results: SearchResults
    log_id: int | None
    community: list = None


def community_answers(query: str, *, lang: str, limit: int = 3) -> list:
    """Matching community answers and questions, accepted answers first among equals."""
    if not query:
        return []
    found = get_index().search(query, lang=lang, kinds=("answer", "question"), per_page=limit * 2)
    hits = sorted(found.hits, key=lambda h: -(h.score * ANSWER_BOOST.get(h.fields.get("summary"), 1.0)))
    seen, out = set(), []
    for hit in hits:  # one entry per question
        url = (hit.fields.get("url") or "").split("#")[0]
        if url not in seen:
            seen.add(url)
            out.append(hit)
    return out[:limit]


def search_help(query: str, *, lang: str, category: str | None = None, page: int = 1,
                per_page: int = 10, log: bool = True) -> HelpSearch:
    """Search published articles in `lang`; logs the query with its result count (flushes)."""
    query = (query or "").strip()[:200]
    results = get_index().search(query, lang=lang, kinds=("article",), category=category or None,
                                 page=max(page, 1), per_page=per_page)
    log_id = None
    if log and query and page == 1:
        log_id = services.log_search(query=query, lang=lang, result_count=results.total).id
    community = community_answers(query, lang=lang) if page == 1 else []
    return HelpSearch(results=results, log_id=log_id, community=community)


def suggest_help(text: str, *, lang: str, limit: int = 5) -> list[dict]:
    """As-you-type suggestions: [{title, url, summary}] of published articles."""
    text = (text or "").strip()[:100]
    if len(text) < 2:
        return []
    return [{"title": hit["title"], "url": hit.get("url") or f"/help/{lang}/articles/{hit['slug']}",
             "summary": hit.get("summary", "")}
            for hit in get_index().suggest(text, lang=lang, kinds=("article",), limit=limit)]
