"""Turn articles into search documents; only published articles are searchable."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import search_sync
from portal.kb.models import Article, ArticleStatus
from portal.markup import markdown_to_text


def article_document(article: Article) -> dict:
    """The search document for one published article."""
    return {
        "id": f"article:{article.id}",
        "kind": "article",
        "lang": article.lang,
        "slug": article.slug,
        "title": article.title,
        "tags": list(article.tags or []),
        "summary": article.summary or "",
        "body": markdown_to_text(article.body),
        "category": article.category.slug,
        "url": f"/help/{article.lang}/articles/{article.slug}",
    }


def load_articles(session, ids) -> dict:
    """Documents for the given ids; None for those deleted or not published."""
    found = {a.id: a for a in session.scalars(
        select(Article).options(joinedload(Article.category)).where(Article.id.in_(list(ids))))}
    return {i: (article_document(found[i]) if i in found and found[i].status == ArticleStatus.PUBLISHED else None)
            for i in ids}


def published_documents(session):
    """Every published article's document, for a full rebuild."""
    query = (select(Article).options(joinedload(Article.category))
             .where(Article.status == ArticleStatus.PUBLISHED).order_by(Article.id))
    for article in session.scalars(query):
        yield article_document(article)


search_sync.register_loader("article", load_articles)
search_sync.register_source(published_documents)
