"""Import and export the help center as Markdown files with YAML front matter.

Layout: DIR/categories.yml and DIR/<lang>/<category>/<slug>.md. Import is idempotent (by slug and
lang); export writes the same format back, so import -> export -> import changes nothing.
"""
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.kb import categories as category_services
from portal.kb import services
from portal.kb.models import Article, ArticleStatus, Category

REQUIRED = ("title", "slug", "category", "tags", "lang")
OPTIONAL = ("section", "summary", "order", "translation", "status")


class ContentError(Exception):
    """A content file is unusable; the message names the file and field."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    categories: int = 0
    errors: list[str] = field(default_factory=list)


def _read_categories(path: Path) -> list[dict]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, list):
        raise ContentError(f"{path}: expected a list of categories")
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or not item.get("slug") or not isinstance(item.get("name"), dict):
            raise ContentError(f"{path}: category #{i}: field 'slug' and 'name' (per language) are required")
    return data


def _read_article(path: Path, root: Path) -> dict:
    """Parse and check one article file; raise ContentError naming file and field."""
    rel = path.relative_to(root)
    try:
        post = frontmatter.load(path)
    except Exception as exc:  # yaml errors and bad encodings alike
        raise ContentError(f"{rel}: front matter: {str(exc).splitlines()[0]}") from exc
    meta = post.metadata
    for name in REQUIRED:
        if meta.get(name) in (None, ""):
            raise ContentError(f"{rel}: field '{name}': missing")
    unknown = set(meta) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise ContentError(f"{rel}: field '{sorted(unknown)[0]}': unknown field")
    if not isinstance(meta["tags"], list):
        raise ContentError(f"{rel}: field 'tags': must be a list, like [returns, refunds]")
    if meta["lang"] not in services.LANGUAGES:
        raise ContentError(f"{rel}: field 'lang': must be one of {', '.join(services.LANGUAGES)}")
    if rel.parts[0] in services.LANGUAGES and rel.parts[0] != meta["lang"]:
        raise ContentError(f"{rel}: field 'lang': '{meta['lang']}' does not match the folder '{rel.parts[0]}'")
    if "order" in meta and not isinstance(meta["order"], int):
        raise ContentError(f"{rel}: field 'order': must be a whole number")
    status = meta.get("status", "published")
    if status not in {s.value for s in ArticleStatus}:
        raise ContentError(f"{rel}: field 'status': must be draft, published or archived")
    return {"meta": meta, "body": post.content.strip() + "\n", "rel": str(rel), "status": status}


def import_directory(root, *, actor=None) -> ImportReport:
    """Import categories and articles; a bad file is reported and skipped whole."""
    root = Path(root)
    report = ImportReport()
    cat_file = root / "categories.yml"
    if cat_file.exists():
        _import_categories(_read_categories(cat_file), report)
    parsed = []
    for path in sorted(root.glob("*/**/*.md")):
        try:
            parsed.append(_read_article(path, root))
        except ContentError as exc:
            report.errors.append(str(exc))
    by_key = {}
    for item in parsed:
        try:
            with db.session.begin_nested():
                article = _import_article(item, actor, report)
            by_key[(item["meta"]["lang"], str(item["meta"]["slug"]))] = (article, item["meta"].get("translation"))
        except DomainError as exc:
            where = f" '{exc.field}'" if exc.field else ""
            report.errors.append(f"{item['rel']}: field{where}: {exc.message}" if exc.field
                                 else f"{item['rel']}: {exc.message}")
    _link_translations(by_key)
    return report


def _import_categories(items: list[dict], report: ImportReport) -> None:
    for item in items:
        category = db.session.scalar(select(Category).where(Category.slug == item["slug"]))
        category = category_services.save_category(
            category=category, slug=item["slug"], names=item["name"],
            descriptions=item.get("description") or {}, position=int(item.get("position") or 0))
        for sec in item.get("sections") or []:
            existing = next((s for s in category.sections if s.slug == sec["slug"]), None)
            category_services.save_section(category=category, slug=sec["slug"], names=sec["name"],
                                           position=int(sec.get("position") or 0), section=existing)
        report.categories += 1


def _import_article(item: dict, actor, report: ImportReport) -> Article:
    meta = item["meta"]
    values = {"title": str(meta["title"]), "slug": str(meta["slug"]), "lang": meta["lang"],
              "category": str(meta["category"]), "section": str(meta.get("section") or "") or None,
              "summary": str(meta.get("summary") or ""), "tags": [str(t) for t in meta["tags"]],
              "body": item["body"], "position": meta.get("order", 0)}
    article = db.session.scalar(select(Article).where(Article.slug == values["slug"],
                                                      Article.lang == values["lang"]))
    status = ArticleStatus(item["status"])
    if article is None:
        report.created += 1
        return services.create_article(actor=actor, status=status, note="Imported", **values)
    changed = services.update_article(article, actor=actor, note="Imported", **values)
    if article.status != status:
        services.set_status(article, status, actor=actor)
        changed = True
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1
    return article


def _link_translations(by_key: dict) -> None:
    for (lang, _slug), (article, translation) in by_key.items():
        if not translation:
            continue
        other = db.session.scalar(select(Article).where(Article.slug == str(translation), Article.lang != lang))
        if other is not None and (article.translation_key is None or article.translation_key != other.translation_key):
            services.link_translation(article, other)


def export_directory(root) -> int:
    """Write categories.yml and every article back as Markdown files; returns the article count."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    categories = category_services.all_categories()
    data = [{"slug": c.slug, "position": c.position, "name": c.names, "description": c.descriptions,
             "sections": [{"slug": s.slug, "position": s.position, "name": s.names} for s in c.sections]}
            for c in categories]
    (root / "categories.yml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    count = 0
    for article in db.session.scalars(select(Article).order_by(Article.lang, Article.id)):
        path = root / article.lang / article.category.slug / f"{article.slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_article_text(article), encoding="utf-8")
        count += 1
    return count


def _article_text(article: Article) -> str:
    meta = {"title": article.title, "slug": article.slug, "category": article.category.slug}
    if article.section:
        meta["section"] = article.section.slug
    meta.update({"tags": list(article.tags or []), "lang": article.lang})
    if article.summary:
        meta["summary"] = article.summary
    meta["order"] = article.position
    if article.status != ArticleStatus.PUBLISHED:
        meta["status"] = article.status.value
    if article.translation_key:
        other = db.session.scalar(select(Article.slug).where(
            Article.translation_key == article.translation_key, Article.lang != article.lang))
        if other:
            meta["translation"] = other
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{head}---\n{article.body.strip()}\n"
