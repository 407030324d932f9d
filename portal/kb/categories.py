"""Knowledge-base categories and sections: create, edit, reorder, delete when empty."""
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.errors import Conflict, NotFound, ValidationError
from portal.extensions import db
from portal.kb.models import Article, Category, Section
from portal.text import slugify

LANGUAGES = ("en", "fr")


def _names(names: dict, field: str = "name") -> dict:
    cleaned = {lang: " ".join((names or {}).get(lang, "").split())[:120] for lang in LANGUAGES}
    cleaned = {k: v for k, v in cleaned.items() if v}
    if "en" not in cleaned and field == "name":
        raise ValidationError(_("An English name is required."), field="name_en")
    return cleaned


def save_category(*, slug: str | None, names: dict, descriptions: dict | None = None,
                  position: int = 0, category: Category | None = None) -> Category:
    """Create a category, or update `category`; the slug is unique."""
    names = _names(names)
    slug = slugify(slug or "") or (category.slug if category else slugify(names["en"]))
    if not slug:
        raise ValidationError(_("The slug must contain letters or digits."), field="slug")
    clash = db.session.scalar(select(Category.id).where(Category.slug == slug))
    if clash and (category is None or clash != category.id):
        raise Conflict(_("A category already uses the slug '%(slug)s'.", slug=slug), field="slug")
    if category is None:
        category = Category()
        db.session.add(category)
    descriptions = {k: " ".join(v.split())[:300] for k, v in (descriptions or {}).items() if v and v.strip()}
    category.slug, category.names, category.descriptions, category.position = slug, names, descriptions, position
    db.session.flush()
    return category


def delete_category(category: Category) -> None:
    """Delete a category that has no articles left."""
    count = db.session.scalar(select(func.count(Article.id)).where(Article.category_id == category.id))
    if count:
        raise Conflict(ngettext("This category still has %(num)d article(s). Move or delete them first.",
                                "This category still has %(num)d article(s). Move or delete them first.", count))
    db.session.delete(category)
    db.session.flush()


def save_section(*, category: Category, slug: str | None, names: dict, position: int = 0,
                 section: Section | None = None) -> Section:
    """Create a section inside `category`, or update `section`."""
    names = _names(names)
    slug = slugify(slug or "") or (section.slug if section else slugify(names["en"]))
    if not slug:
        raise ValidationError(_("The slug must contain letters or digits."), field="slug")
    clash = db.session.scalar(select(Section.id).where(Section.category_id == category.id, Section.slug == slug))
    if clash and (section is None or clash != section.id):
        raise Conflict(_("This category already has a section '%(slug)s'.", slug=slug), field="slug")
    if section is None:
        section = Section(category_id=category.id)
        db.session.add(section)
    section.slug, section.names, section.position = slug, names, position
    db.session.flush()
    return section


def delete_section(section: Section) -> None:
    """Delete a section; its articles stay in the category without a section."""
    db.session.delete(section)
    db.session.flush()


def get_category(slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound(_("No such category."))
    return category


def categories_overview() -> list[tuple[Category, int, list[tuple[Section, int]]]]:
    """Every category with its article count and its sections with theirs, in order (a fixed number of queries)."""
    counts, section_counts = {}, {}
    for category_id, section_id, n in db.session.execute(
            select(Article.category_id, Article.section_id, func.count(Article.id))
            .group_by(Article.category_id, Article.section_id)):
        counts[category_id] = counts.get(category_id, 0) + n
        if section_id is not None:
            section_counts[section_id] = n
    categories = db.session.scalars(select(Category).options(selectinload(Category.sections))
                                    .order_by(Category.position, Category.slug))
    return [(c, counts.get(c.id, 0), [(s, section_counts.get(s.id, 0)) for s in c.sections]) for c in categories]


def all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.slug)))
