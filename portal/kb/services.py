"""Knowledge-base writes: articles, revisions, publishing, categories, votes and search logs.

Every entry point (editor views, CLI, import) calls these. They flush; the caller commits.
Each change to an article schedules its search document, applied after commit.
"""
import difflib
import uuid

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from portal import search_sync
from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.kb.models import (Article, ArticleRevision, ArticleStatus, ArticleVote, Category,
                              SearchLog, Section)
from portal.models_base import utcnow
from portal.text import clean_tags, slugify

LANGUAGES = ("en", "fr")
EDITABLE_FIELDS = ("title", "body", "summary", "tags", "lang", "slug", "category", "section", "position")


def _check_article_fields(values: dict, article: Article | None = None) -> dict:
    """Validate and normalise article fields; raise ValidationError naming the field."""
    title = " ".join((values.get("title") or "").split())
    if not title:
        raise ValidationError(_("A title is required."), field="title")
    if len(title) > 200:
        raise ValidationError(_("The title is longer than %(num)d characters.", num=200), field="title")
    lang = values.get("lang") or (article.lang if article else "en")
    if lang not in LANGUAGES:
        raise ValidationError(_("Language must be one of: %(languages)s.", languages=", ".join(LANGUAGES)),
                              field="lang")
    slug = slugify(values.get("slug") or "") or (article.slug if article else slugify(title))
    if not slug:
        raise ValidationError(_("The slug must contain letters or digits."), field="slug")
    category = values.get("category") or (article.category if article else None)
    if isinstance(category, str):
        category = db.session.scalar(select(Category).where(Category.slug == category))
    if category is None:
        raise ValidationError(_("Choose a category."), field="category")
    section = values.get("section")
    if isinstance(section, str):
        section = db.session.scalar(select(Section).where(
            Section.category_id == category.id, Section.slug == section)) if section else None
        if values.get("section") and section is None:
            raise ValidationError(_("Unknown section '%(section)s' in category '%(category)s'.",
                                    section=values["section"], category=category.slug), field="section")
    if section is not None and section.category_id != category.id:
        raise ValidationError(_("That section belongs to another category."), field="section")
    summary = " ".join((values.get("summary") or "").split())
    if len(summary) > 300:
        raise ValidationError(_("The summary is longer than %(num)d characters.", num=300), field="summary")
    clash = db.session.scalar(select(Article.id).where(Article.slug == slug, Article.lang == lang))
    if clash and (article is None or clash != article.id):
        raise Conflict(_("Another %(lang)s article already uses the slug '%(slug)s'.", lang=lang, slug=slug),
                       field="slug")
    try:
        position = int(values.get("position") or 0)
    except (TypeError, ValueError):
        raise ValidationError(_("Position must be a whole number."), field="position") from None
    return {"title": title, "lang": lang, "slug": slug, "category": category, "section": section,
            "summary": summary, "body": values.get("body") or "", "tags": clean_tags(values.get("tags")),
            "position": position}


def create_article(*, actor=None, status: ArticleStatus = ArticleStatus.DRAFT, note: str = "",
                   translation_of: Article | None = None, **values) -> Article:
    """Create an article and its first revision; schedules indexing if published."""
    fields = _check_article_fields(values)
    article = Article(author_id=getattr(actor, "id", None), status=ArticleStatus(status), **fields)
    if article.status == ArticleStatus.PUBLISHED:
        article.published_at = utcnow()
    db.session.add(article)
    if translation_of is not None:
        link_translation(article, translation_of)
    db.session.flush()
    _add_revision(article, actor, note or "Created")
    search_sync.schedule("article", article.id)
    return article


def update_article(article: Article, *, actor=None, note: str = "", base_revision: int | None = None,
                   **values) -> bool:
    """Save edits as a new revision; returns False when nothing changed.

    Raises Conflict when `base_revision` is given and someone saved a newer revision meanwhile.
    """
    latest = latest_revision_number(article)
    if base_revision is not None and base_revision != latest:
        raise Conflict(_("Someone saved this article while you were editing. Review the latest revision "
                         "and apply your changes again."))
    merged = {name: getattr(article, name) for name in EDITABLE_FIELDS}
    merged.update({k: v for k, v in values.items() if k in EDITABLE_FIELDS and v is not None})
    if "section" in values:
        merged["section"] = values["section"]
    fields = _check_article_fields(merged, article)
    if all(getattr(article, name) == value for name, value in fields.items()):
        return False
    for name, value in fields.items():
        setattr(article, name, value)
    article.updated_at = utcnow()
    db.session.flush()
    _add_revision(article, actor, note or "Edited")
    search_sync.schedule("article", article.id)
    return True


def set_status(article: Article, status: ArticleStatus, *, actor=None) -> None:
    """Publish, unpublish (back to draft) or archive; the index follows after commit."""
    status = ArticleStatus(status)
    if article.status == status:
        return
    article.status = status
    article.updated_at = utcnow()
    if status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = article.updated_at
    db.session.flush()
    _add_revision(article, actor, {ArticleStatus.PUBLISHED: "Published", ArticleStatus.DRAFT: "Unpublished",
                                   ArticleStatus.ARCHIVED: "Archived"}[status])
    search_sync.schedule("article", article.id)


def delete_article(article: Article) -> None:
    """Delete a draft or archived article with its revisions and votes; it leaves the index after commit.

    Raises Conflict for a published article: unpublish or archive it first.
    """
    if article.is_published:
        raise Conflict(_("Published articles cannot be deleted. Unpublish or archive it first."))
    search_sync.schedule("article", article.id)
    db.session.delete(article)
    db.session.flush()


def link_translation(article: Article, other: Article | None) -> None:
    """Mark two articles in different languages as translations of each other (None unlinks)."""
    if other is None:
        article.translation_key = None
        return
    if other.lang == article.lang:
        raise ValidationError(_("A translation must be in another language."), field="translation")
    key = other.translation_key or article.translation_key or uuid.uuid4().hex
    for sibling in db.session.scalars(select(Article).where(
            Article.translation_key == key, Article.lang == article.lang, Article.id != article.id)):
        sibling.translation_key = None
    other.translation_key = article.translation_key = key


def _add_revision(article: Article, actor, note: str) -> ArticleRevision:
    revision = ArticleRevision(article_id=article.id, number=latest_revision_number(article) + 1,
                               title=article.title, summary=article.summary, body=article.body,
                               tags=list(article.tags or []), status=article.status.value, note=note[:200],
                               author_id=getattr(actor, "id", None))
    db.session.add(revision)
    db.session.flush()
    return revision


def latest_revision_number(article: Article) -> int:
    """Number of the newest revision of `article` (0 before the first save)."""
    if article.id is None:
        return 0
    return db.session.scalar(select(func.coalesce(func.max(ArticleRevision.number), 0))
                             .where(ArticleRevision.article_id == article.id))


def get_revision(article: Article, number: int) -> ArticleRevision:
    revision = db.session.scalar(select(ArticleRevision).where(
        ArticleRevision.article_id == article.id, ArticleRevision.number == number))
    if revision is None:
        raise NotFound(_("No such revision."))
    return revision


def restore_revision(article: Article, number: int, *, actor=None) -> None:
    """Copy an old revision's content back into the article as a new revision."""
    revision = get_revision(article, number)
    update_article(article, actor=actor, note=f"Restored revision {number}", title=revision.title,
                   summary=revision.summary, body=revision.body, tags=list(revision.tags or []))


def diff_revisions(old: ArticleRevision, new: ArticleRevision) -> Markup:
    """Line diff of two revisions (title, summary, tags, body) as escaped HTML with <ins>/<del>."""
    def lines(rev):
        return [f"# {rev.title}", _("Summary: %(summary)s", summary=rev.summary),
                _("Tags: %(tags)s", tags=", ".join(rev.tags or [])), ""] + rev.body.splitlines()

    out = []
    for line in difflib.ndiff(lines(old), lines(new)):
        code, text = line[:2], escape(line[2:])
        if code == "+ ":
            out.append(Markup("<ins>+ {}</ins>").format(text))
        elif code == "- ":
            out.append(Markup("<del>- {}</del>").format(text))
        elif code == "  ":
            out.append(Markup("  {}").format(text))
    return Markup("\n").join(out)


def record_view(article: Article) -> None:
    """Count one view of a published article."""
    db.session.execute(Article.__table__.update().where(Article.id == article.id)
                       .values(view_count=Article.view_count + 1))


def vote(article: Article, *, visitor: str, helpful: bool) -> bool:
    """Record one helpful/not-helpful answer per visitor; returns False if they had voted already."""
    if not article.is_published:
        raise NotFound(_("This article is not published."))
    if db.session.scalar(select(ArticleVote.id).where(ArticleVote.article_id == article.id,
                                                       ArticleVote.visitor == visitor)):
        return False
    db.session.add(ArticleVote(article_id=article.id, visitor=visitor, helpful=helpful))
    column = Article.helpful_yes if helpful else Article.helpful_no
    db.session.execute(Article.__table__.update().where(Article.id == article.id)
                       .values({column.key: column + 1}))
    db.session.flush()
    db.session.refresh(article)
    return True


def log_search(*, query: str, lang: str, result_count: int, source: str = "search") -> SearchLog:
    """Log one help-center search (query, language, how many results)."""
    entry = SearchLog(query=query.strip()[:200], lang=lang, result_count=result_count, source=source)
    db.session.add(entry)
    db.session.flush()
    return entry


def log_click(*, log_id: int, article: Article) -> None:
    """Remember which article a logged search led to."""
    entry = db.session.get(SearchLog, log_id)
    if entry is not None and entry.clicked_article_id is None:
        entry.clicked_article_id = article.id
