"""Staff knowledge-base forms: the article editor, list filters, categories and sections."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.extensions import db
from portal.kb import categories as category_services
from portal.kb.models import Article, ArticleStatus, Category, Section

LANGUAGE_CHOICES = [SelectChoice("en", _l("English")), SelectChoice("fr", _l("French"))]
STATUS_LABELS = {ArticleStatus.DRAFT: _l("Draft"), ArticleStatus.PUBLISHED: _l("Published"),
                 ArticleStatus.ARCHIVED: _l("Archived")}


def optional_id(value):
    """Coerce a select value to an id, with "" (or None) meaning "none chosen"."""
    if value in (None, "", "None"):
        return None
    return int(value)


def ui_lang() -> str:
    """The staff member's interface language, for category and section names."""
    return str(get_locale() or "en")


def add_error(form, exc) -> None:
    """Put a domain error on the field it names, or on the form as a whole."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


class ArticleFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[SelectChoice("", _l("All statuses"))] + [
                             SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()])
    lang = SelectField(_l("Language"), validators=[Optional()], choices=[SelectChoice("", _l("All languages"))] + LANGUAGE_CHOICES)
    category = SelectField(_l("Category"), coerce=optional_id, validators=[Optional()])
    q = StringField(_l("Text"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("All categories"))] + [
            SelectChoice(c.id, c.name(ui_lang())) for c in category_services.all_categories()]

    def filters(self) -> dict:
        """Keyword arguments for queries.staff_articles (empty when the filters are invalid)."""
        if not self.validate():
            return {}
        return {"status": self.status.data or None, "lang": self.lang.data or None,
                "category_id": self.category.data, "text": (self.q.data or "").strip() or None}


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("A title is required.")), Length(max=200)])
    slug = StringField(_l("Slug"), validators=[Optional(), Length(max=120)],
                       description=_l("Part of the address. Leave empty to make one from the title."))
    lang = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    category = SelectField(_l("Category"), coerce=optional_id,
                           validators=[DataRequired(message=_l("Choose a category."))])
    section = SelectField(_l("Section"), coerce=optional_id, validators=[Optional()])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=300)])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)], description=_l("Separate tags with commas."))
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])
    translation = SelectField(_l("Translation"), coerce=optional_id, validators=[Optional()])
    body = TextAreaField(_l("Body (Markdown)"))
    note = StringField(_l("Revision note"), validators=[Optional(), Length(max=200)],
                       description=_l("Optional: what you changed, shown in the revisions."))
    base_revision = HiddenField()

    def __init__(self, *args, article: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        lang, languages = ui_lang(), {choice.value: choice.label for choice in LANGUAGE_CHOICES}
        categories = category_services.all_categories()
        self.category.choices = [SelectChoice("", _l("Choose a category"))] + [
            SelectChoice(c.id, c.name(lang)) for c in categories]
        self.section.choices = [SelectChoice("", _l("No section"))] + [
            SelectChoice(s.id, s.name(lang), optgroup=c.name(lang)) for c in categories for s in c.sections]
        self.translation.choices = [SelectChoice("", _l("None"))] + [
            SelectChoice(a.id, a.title, optgroup=str(languages.get(a.lang, a.lang)))
            for a in self._translation_candidates()]

    def _translation_candidates(self) -> list[Article]:
        query = select(Article).order_by(Article.lang, Article.title)
        if self.article is not None:
            query = query.where(Article.lang != self.article.lang, Article.id != self.article.id)
        return list(db.session.scalars(query))

    def fill_from(self, article: Article, *, translation: Article | None, base_revision: int) -> None:
        """Preset the fields from a saved article (GET of the edit page)."""
        for name in ("title", "slug", "lang", "summary", "body", "position"):
            getattr(self, name).data = getattr(article, name)
        self.category.data, self.section.data = article.category_id, article.section_id
        self.tags.data = ", ".join(article.tags or [])
        self.translation.data = translation.id if translation else None
        self.base_revision.data = str(base_revision)

    def article_values(self) -> dict:
        """Keyword arguments for services.create_article / update_article."""
        return {"title": self.title.data, "slug": self.slug.data or "", "lang": self.lang.data,
                "category": db.session.get(Category, self.category.data) if self.category.data else None,
                "section": db.session.get(Section, self.section.data) if self.section.data else None,
                "summary": self.summary.data or "", "tags": self.tags.data or "",
                "position": self.position.data or 0, "body": self.body.data or ""}

    def translation_article(self) -> Article | None:
        return db.session.get(Article, self.translation.data) if self.translation.data else None

    def base_revision_number(self) -> int | None:
        try:
            return int(self.base_revision.data)
        except (TypeError, ValueError):
            return None


class CategoryForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[Optional(), Length(max=80)],
                       description=_l("Part of the address. Leave empty to make one from the English name."))
    name_en = StringField(_l("English name"), validators=[DataRequired(message=_l("An English name is required.")),
                                                           Length(max=120)])
    name_fr = StringField(_l("French name"), validators=[Optional(), Length(max=120)])
    description_en = TextAreaField(_l("English description"), validators=[Optional(), Length(max=300)])
    description_fr = TextAreaField(_l("French description"), validators=[Optional(), Length(max=300)])
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])

    def fill_from(self, category) -> None:
        self.slug.data, self.position.data = category.slug, category.position
        for lang in ("en", "fr"):
            getattr(self, f"name_{lang}").data = category.names.get(lang, "")
            getattr(self, f"description_{lang}").data = (category.descriptions or {}).get(lang, "")

    def category_values(self) -> dict:
        """Keyword arguments for categories.save_category."""
        return {"slug": self.slug.data or "", "position": self.position.data or 0,
                "names": {"en": self.name_en.data or "", "fr": self.name_fr.data or ""},
                "descriptions": {"en": self.description_en.data or "", "fr": self.description_fr.data or ""}}


class SectionForm(FlaskForm):
    slug = StringField(_l("Slug"), validators=[Optional(), Length(max=80)],
                       description=_l("Leave empty to make one from the English name."))
    name_en = StringField(_l("English name"), validators=[DataRequired(message=_l("An English name is required.")),
                                                           Length(max=120)])
    name_fr = StringField(_l("French name"), validators=[Optional(), Length(max=120)])
    position = IntegerField(_l("Position"), default=0, validators=[Optional()])

    def fill_from(self, section) -> None:
        self.slug.data, self.position.data = section.slug, section.position
        self.name_en.data, self.name_fr.data = section.names.get("en", ""), section.names.get("fr", "")

    def section_values(self) -> dict:
        """Keyword arguments for categories.save_section."""
        return {"slug": self.slug.data or "", "position": self.position.data or 0,
                "names": {"en": self.name_en.data or "", "fr": self.name_fr.data or ""}}
