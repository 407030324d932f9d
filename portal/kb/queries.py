"""Read side of the knowledge base: help-center lists, related articles, the editor's list."""
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from portal.errors import NotFound
from portal.extensions import db
from portal.kb.models import Article, ArticleRevision, ArticleStatus, Category

PUBLISHED = ArticleStatus.PUBLISHED


def categories_with_counts(lang: str) -> list[tuple[Category, int]]:
    """Categories that have published articles in `lang`, with their counts, in order."""
    counts = (select(Article.category_id, func.count(Article.id).label("n"))
              .where(Article.status == PUBLISHED, Article.lang == lang)
              .group_by(Article.category_id).subquery())
    rows = db.session.execute(select(Category, counts.c.n).join(counts, counts.c.category_id == Category.id)
                              .order_by(Category.position, Category.slug))
    return [(category, n) for category, n in rows]


def popular_articles(lang: str, limit: int = 6) -> list[Article]:
    """Most viewed published articles in `lang`."""
    # Rank ids first: while many articles tie (a new help center has no views yet), SQLite sorts
    # every tied row, and whole rows with their bodies cost several ms at a few thousand articles.
    ids = db.session.scalars(select(Article.id).where(Article.status == PUBLISHED, Article.lang == lang)
                             .order_by(Article.view_count.desc(), Article.position, Article.id).limit(limit)).all()
    found = articles_by_ids(ids)
    return [found[i] for i in ids if i in found]


def category_articles(category: Category, lang: str) -> list[Article]:
    """Published articles of a category in `lang`, ordered by section then position."""
    return list(db.session.scalars(
        select(Article).options(joinedload(Article.section))
        .where(Article.status == PUBLISHED, Article.lang == lang, Article.category_id == category.id)
        .order_by(Article.position, Article.title)))


# The article page's statements are built once: building one (and its cache key) costs SQLAlchemy
# more than SQLite needs to run it, and this page is the help center's most visited.
_PUBLISHED_ARTICLE = (select(Article).options(joinedload(Article.category), joinedload(Article.section))
                      .where(Article.lang == bindparam("lang"), Article.slug == bindparam("slug"),
                             Article.status == PUBLISHED))
# Filter by translation_key alone: given lang and status too, SQLite picks the (status, lang, …)
# index and reads every article of the language (~10 ms at 2,500 articles) to find one row.
_LINKED = select(Article).where(Article.translation_key == bindparam("key")).order_by(Article.id)
# Related-article candidates, scored on a few columns rather than loaded as articles with bodies.
_CANDIDATES = select(Article.id, Article.tags, Article.category_id, Article.position).where(
    Article.status == PUBLISHED, Article.lang == bindparam("lang"), Article.id != bindparam("article_id"))
_SAME_CATEGORY = (_CANDIDATES.where(Article.category_id == bindparam("category_id"))
                  .order_by(Article.position, Article.id).limit(50))
_MOST_VIEWED_ELSEWHERE = (_CANDIDATES.where(Article.category_id != bindparam("category_id"))
                          .order_by(Article.view_count.desc()).limit(200))


def published_article(lang: str, slug: str) -> Article:
    """The published article at /help/<lang>/articles/<slug>, or NotFound."""
    article = db.session.scalar(_PUBLISHED_ARTICLE, {"lang": lang, "slug": slug})
    if article is None:
        raise NotFound(_("We could not find that article."))
    return article


def translation_of(article: Article, lang: str, published_only: bool = True) -> Article | None:
    """The same article in another language, if linked."""
    if not article.translation_key or lang == article.lang:
        return None
    linked = db.session.scalars(_LINKED, {"key": article.translation_key})
    return next((other for other in linked
                 if other.lang == lang and (other.status == PUBLISHED or not published_only)), None)


def related_articles(article: Article, limit: int = 5) -> list[Article]:
    """Published articles sharing tags with `article` first, then others of its category."""
    connection = db.session.connection()  # plain columns: Core rows, without the ORM's per-query work
    params = {"lang": article.lang, "article_id": article.id, "category_id": article.category_id}
    candidates = connection.execute(_SAME_CATEGORY, params).all()
    tags = set(article.tags or [])
    if tags:
        candidates += connection.execute(_MOST_VIEWED_ELSEWHERE, params).all()
    scored, category_id = [], article.category_id
    for other in candidates:
        shared, same = len(tags.intersection(other.tags or ())), other.category_id == category_id
        if shared or same:
            scored.append((-shared * 2 - same, other.position, other.id))
    chosen = [other_id for *_, other_id in sorted(scored)[:limit]]
    found = articles_by_ids(chosen)
    return [found[i] for i in chosen if i in found]


def articles_by_ids(ids) -> dict[int, Article]:
    return {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(list(ids))))}


def staff_articles(*, status=None, lang=None, category_id=None, text=None, page=1, per_page=25):
    """The editor's article list with filters; returns (articles, total)."""
    query = select(Article).options(joinedload(Article.category), joinedload(Article.author))
    count = select(func.count(Article.id))
    conditions = []
    if status:
        conditions.append(Article.status == ArticleStatus(status))
    if lang:
        conditions.append(Article.lang == lang)
    if category_id:
        conditions.append(Article.category_id == category_id)
    if text:
        like = f"%{text.strip()}%"
        conditions.append(or_(Article.title.ilike(like), Article.slug.ilike(like), Article.body.ilike(like)))
    for condition in conditions:
        query, count = query.where(condition), count.where(condition)
    total = db.session.scalar(count)
    rows = db.session.scalars(query.order_by(Article.updated_at.desc(), Article.id.desc())
                              .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return list(rows), total


def get_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound(_("No such article."))
    return article


def revisions(article: Article) -> list[ArticleRevision]:
    return list(db.session.scalars(select(ArticleRevision).options(joinedload(ArticleRevision.author))
                                   .where(ArticleRevision.article_id == article.id)
                                   .order_by(ArticleRevision.number.desc())))
