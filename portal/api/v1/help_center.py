"""/api/v1/help-center and /api/v1/search: categories and articles through kb.services and kb.categories
(revisions, publishing and the search index follow as in the editor), and the help-center search."""
from flask import Blueprint, Response, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.api import present
from portal.api.errors import ApiError
from portal.api.pagination import keyset
from portal.api.routing import operation, reply
from portal.api.schemas import content as schemas
from portal.extensions import db
from portal.kb import categories as category_services
from portal.kb import services
from portal.kb.models import Article, ArticleRevision, ArticleStatus, Category, Section
from portal.kb.search import search_help

bp = Blueprint("help_center", __name__)
TAG = "Help center"
ARTICLE_FIELDS = {"category": "category_id", "section": "section_id", "name_en": "names.en"}


def _category_json(category) -> dict:
    return {"id": category.id, "slug": category.slug, "names": dict(category.names or {}),
            "descriptions": dict(category.descriptions or {}), "position": category.position,
            "sections": [{"id": s.id, "slug": s.slug, "names": dict(s.names or {}), "position": s.position}
                         for s in category.sections]}


def _category(category_id) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise ApiError(404, _("No such category."))
    return category


@bp.get("/help-center/categories")
@operation(scope="help_center:read", operation_id="listCategories", tag=TAG, response=schemas.CategoryList)
def list_categories(call):
    """List the help-center categories with their sections, in order."""
    rows = db.session.scalars(select(Category).options(selectinload(Category.sections))
                              .order_by(Category.position, Category.slug))
    return {"data": [_category_json(c) for c in rows], "next_cursor": None}


@bp.get("/help-center/categories/<int:category_id>")
@operation(scope="help_center:read", operation_id="getCategory", tag=TAG, response=schemas.Category,
           errors=(404,))
def get_category(call, category_id):
    """Show a category with its sections."""
    return _category_json(_category(category_id))


def _names(model) -> dict:
    return {lang: value for lang, value in (model.model_dump() if model else {}).items() if value}


@bp.post("/help-center/categories")
@operation(scope="help_center:write", operation_id="createCategory", tag=TAG, response=schemas.Category,
           status=201, body=schemas.CategoryCreate, errors=(409,), fields=ARTICLE_FIELDS)
def create_category(call):
    """Create a category (the slug is unique)."""
    data = call.body
    category = category_services.save_category(slug=data.slug, names=_names(data.names),
                                               descriptions=_names(data.descriptions), position=data.position)
    return reply(_category_json(category), status=201,
                 headers={"Location": f"/api/v1/help-center/categories/{category.id}"})


@bp.patch("/help-center/categories/<int:category_id>")
@operation(scope="help_center:write", operation_id="updateCategory", tag=TAG, response=schemas.Category,
           body=schemas.CategoryUpdate, errors=(404, 409), fields=ARTICLE_FIELDS)
def update_category(call, category_id):
    """Rename, move or describe a category; only the fields sent change."""
    category, data = _category(category_id), call.body
    names = _names(data.names) if call.sent("names") and data.names else dict(category.names or {})
    descriptions = _names(data.descriptions) if call.sent("descriptions") else dict(category.descriptions or {})
    category_services.save_category(
        category=category, slug=data.slug if call.sent("slug") else category.slug, names=names,
        descriptions=descriptions, position=data.position if data.position is not None else category.position)
    return _category_json(category)


@bp.delete("/help-center/categories/<int:category_id>")
@operation(scope="help_center:write", operation_id="deleteCategory", tag=TAG, response=None, status=204,
           errors=(404, 409))
def delete_category(call, category_id):
    """Delete a category that has no articles left (else 409)."""
    category_services.delete_category(_category(category_id))
    return Response(status=204)


# --- articles --------------------------------------------------------------------------------------

def _revisions(ids) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(select(ArticleRevision.article_id, func.max(ArticleRevision.number))
                              .where(ArticleRevision.article_id.in_(ids)).group_by(ArticleRevision.article_id))
    return {article_id: number for article_id, number in rows}


def _article_json(article, revision: int) -> dict:
    return {"id": article.id, "slug": article.slug, "lang": article.lang, "title": article.title,
            "summary": article.summary or "", "body": article.body or "", "tags": list(article.tags or []),
            "status": article.status.value, "category_id": article.category_id, "section_id": article.section_id,
            "position": article.position, "revision": revision,
            "url": url_for("help.article", lang=article.lang, slug=article.slug) if article.is_published else None,
            "views": article.view_count, "helpful_yes": article.helpful_yes, "helpful_no": article.helpful_no,
            "created_at": present.iso(article.created_at), "updated_at": present.iso(article.updated_at),
            "published_at": present.iso(article.published_at)}


def _article_answer(call, article, status: int = 200):
    revision = services.latest_revision_number(article)
    call.headers["ETag"] = f'"{revision}"'
    data = _article_json(article, revision)
    return reply(data, status=status, headers=call.headers) if status != 200 else data


def _article(call, article_id) -> Article:
    """The article; drafts and archived ones only for editors and managers (others get 404)."""
    article = db.session.get(Article, article_id)
    if article is None or (not article.is_published and not call.can("kb.edit")):
        raise ApiError(404, _("No such article."))
    return article


def _placement(category_id, section_id, *, required: bool):
    category = db.session.get(Category, category_id) if category_id is not None else None
    if category is None and (required or category_id is not None):
        raise ApiError(422, _("There is no category with this id."), field="category_id")
    section = db.session.get(Section, section_id) if section_id is not None else None
    if section_id is not None and section is None:
        raise ApiError(422, _("There is no section with this id."), field="section_id")
    return category, section


@bp.get("/help-center/articles")
@operation(scope="help_center:read", operation_id="listArticles", tag=TAG, response=schemas.ArticleList,
           query=schemas.ArticleQuery)
def list_articles(call):
    """List articles, newest first (drafts and archived ones for editors and managers only)."""
    q = call.query
    where = []
    if not call.can("kb.edit"):
        where.append(Article.status == ArticleStatus.PUBLISHED)
    if q.status:
        where.append(Article.status == q.status)
    if q.lang:
        where.append(Article.lang == q.lang)
    if q.category:
        where.append(Article.category_id == q.category)
    rows, cursor = keyset(select(Article).where(*where), Article, ("id",), (int,), cursor=q.cursor, limit=q.limit,
                          descending=True)
    revisions = _revisions([a.id for a in rows])
    return {"data": [_article_json(a, revisions.get(a.id, 0)) for a in rows], "next_cursor": cursor}


@bp.get("/help-center/articles/<int:article_id>")
@operation(scope="help_center:read", operation_id="getArticle", tag=TAG, response=schemas.Article, errors=(404,))
def get_article(call, article_id):
    """Show an article (its Markdown body and latest revision number)."""
    return _article_answer(call, _article(call, article_id))


@bp.post("/help-center/articles")
@operation(scope="help_center:write", operation_id="createArticle", tag=TAG, response=schemas.Article,
           status=201, body=schemas.ArticleCreate, errors=(409,), fields=ARTICLE_FIELDS)
def create_article(call):
    """Write an article (a draft unless `status` says otherwise); its first revision is kept."""
    data = call.body
    category, section = _placement(data.category_id, data.section_id, required=True)
    article = services.create_article(actor=call.user, status=data.status, title=data.title, body=data.body,
                                      lang=data.lang, category=category, section=section, slug=data.slug,
                                      summary=data.summary, tags=data.tags, position=data.position)
    call.headers["Location"] = f"/api/v1/help-center/articles/{article.id}"
    return _article_answer(call, article, status=201)


@bp.patch("/help-center/articles/<int:article_id>")
@operation(scope="help_center:write", operation_id="updateArticle", tag=TAG, response=schemas.Article,
           body=schemas.ArticleUpdate, errors=(404, 409), if_match=True, fields=ARTICLE_FIELDS)
def update_article(call, article_id):
    """Edit an article as a new revision; only the fields sent change.

    If-Match takes the `revision` you edited: a newer one saved meanwhile is refused with 412."""
    article, data = _article(call, article_id), call.body
    if call.if_match is not None and call.if_match != services.latest_revision_number(article):
        raise ApiError(412, _("Someone saved this article since revision %(num)d. Fetch it again and reapply "
                              "your changes.", num=call.if_match), code="version_mismatch", field="If-Match")
    values = {name: getattr(data, name) for name in ("title", "body", "lang", "slug", "summary", "tags", "position")
              if call.sent(name) and getattr(data, name) is not None}
    if call.sent("category_id") and data.category_id is not None:
        values["category"] = _placement(data.category_id, None, required=True)[0]
    if call.sent("section_id"):
        values["section"] = _placement(None, data.section_id, required=False)[1]
    services.update_article(article, actor=call.user, base_revision=call.if_match, **values)
    return _article_answer(call, article)


@bp.delete("/help-center/articles/<int:article_id>")
@operation(scope="help_center:write", operation_id="deleteArticle", tag=TAG, response=None, status=204,
           errors=(404, 409))
def delete_article(call, article_id):
    """Delete a draft or archived article (a published one is 409: unpublish or archive it first)."""
    services.delete_article(_article(call, article_id))
    return Response(status=204)


STATUS_ACTIONS = {"publish": ArticleStatus.PUBLISHED, "unpublish": ArticleStatus.DRAFT,
                  "archive": ArticleStatus.ARCHIVED}


def _set_status(call, article_id, action: str):
    article = _article(call, article_id)
    services.set_status(article, STATUS_ACTIONS[action], actor=call.user)
    return _article_answer(call, article)


@bp.post("/help-center/articles/<int:article_id>/publish")
@operation(scope="help_center:write", operation_id="publishArticle", tag=TAG, response=schemas.Article,
           errors=(404,))
def publish_article(call, article_id):
    """Publish an article: it appears in the help center and its search."""
    return _set_status(call, article_id, "publish")


@bp.post("/help-center/articles/<int:article_id>/unpublish")
@operation(scope="help_center:write", operation_id="unpublishArticle", tag=TAG, response=schemas.Article,
           errors=(404,))
def unpublish_article(call, article_id):
    """Take an article back to draft."""
    return _set_status(call, article_id, "unpublish")


@bp.post("/help-center/articles/<int:article_id>/archive")
@operation(scope="help_center:write", operation_id="archiveArticle", tag=TAG, response=schemas.Article,
           errors=(404,))
def archive_article(call, article_id):
    """Archive an article (out of the help center, kept with its revisions)."""
    return _set_status(call, article_id, "archive")


@bp.get("/search")
@operation(scope="help_center:read", operation_id="searchHelpCenter", tag="Search", response=schemas.SearchResults,
           query=schemas.SearchQuery)
def search(call):
    """Search the published help-center articles, as the help center does (not logged as a visitor search)."""
    q = call.query
    found = search_help(q.q, lang=q.lang, category=q.category, page=q.page, per_page=q.per_page, log=False).results
    hits = [{"article_id": _int(hit.id), "slug": hit.slug, "title": hit.title, "category": hit.category,
             "summary": hit.fields.get("summary") or "",
             "url": hit.fields.get("url") or f"/help/{hit.lang}/articles/{hit.slug}", "score": float(hit.score)}
            for hit in found.hits]
    return {"data": hits, "total": found.total, "page": found.page, "pages": found.pages,
            "suggestion": found.suggestion if found.corrected or found.suggestion else None}


def _int(value) -> int | None:
    text = str(value).rpartition(":")[2]
    return int(text) if text.isdigit() else None
