"""The help center (categories, sections, articles, search) and the community (questions, answers)."""
from typing import Literal

from pydantic import Field

from portal.api.schemas import Body, Out, PageQuery, Query, UtcTime
from portal.kb.models import ArticleStatus
from portal.forum.models import PostStatus

Lang = Literal["en", "fr"]


class Names(Body):
    en: str = Field(max_length=120)
    fr: str | None = Field(None, max_length=120)


class Descriptions(Body):
    en: str | None = Field(None, max_length=300)
    fr: str | None = Field(None, max_length=300)


class Section(Out):
    id: int
    slug: str
    names: dict[str, str]
    position: int


class Category(Out):
    id: int
    slug: str
    names: dict[str, str] = Field(description="Per language: {\"en\": \"Shipping\", \"fr\": \"Livraison\"}.")
    descriptions: dict[str, str]
    position: int
    sections: list[Section]


class CategoryList(Out):
    data: list[Category]
    next_cursor: str | None


class CategoryCreate(Body):
    names: Names
    slug: str | None = Field(None, max_length=80, description="Made from the English name when absent.")
    descriptions: Descriptions | None = None
    position: int = Field(0, ge=0, le=100000)


class CategoryUpdate(Body):
    names: Names | None = None
    slug: str | None = Field(None, max_length=80)
    descriptions: Descriptions | None = None
    position: int | None = Field(None, ge=0, le=100000)


class Article(Out):
    id: int
    slug: str
    lang: Lang
    title: str
    summary: str
    body: str = Field(description="Markdown.")
    tags: list[str]
    status: ArticleStatus
    category_id: int
    section_id: int | None
    position: int
    revision: int = Field(description="The latest revision's number; send it back as If-Match.")
    url: str | None = Field(description="Its page in the help center, once published.")
    views: int
    helpful_yes: int
    helpful_no: int
    created_at: UtcTime
    updated_at: UtcTime
    published_at: UtcTime | None


class ArticleList(Out):
    data: list[Article]
    next_cursor: str | None


class ArticleQuery(PageQuery):
    """Newest first. Without help_center:write permission (editors, managers) only published articles."""

    status: ArticleStatus | None = None
    lang: Lang | None = None
    category: int | None = Field(None, ge=1, description="A category id.")


class ArticleCreate(Body):
    title: str = Field(max_length=200)
    body: str = Field("", max_length=200_000)
    lang: Lang = "en"
    category_id: int
    section_id: int | None = None
    slug: str | None = Field(None, max_length=120)
    summary: str = Field("", max_length=300)
    tags: list[str] = Field(default_factory=list, max_length=20)
    position: int = Field(0, ge=0, le=100000)
    status: ArticleStatus = ArticleStatus.DRAFT


class ArticleUpdate(Body):
    """Only the fields sent change; each save is a new revision."""

    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=200_000)
    lang: Lang | None = None
    category_id: int | None = None
    section_id: int | None = None
    slug: str | None = Field(None, max_length=120)
    summary: str | None = Field(None, max_length=300)
    tags: list[str] | None = Field(None, max_length=20)
    position: int | None = Field(None, ge=0, le=100000)


class SearchQuery(Query):
    q: str = Field(min_length=1, max_length=200)
    lang: Lang = "en"
    category: str | None = Field(None, max_length=80, description="A category slug.")
    page: int = Field(1, ge=1, le=100)
    per_page: int = Field(10, ge=1, le=50)


class SearchHit(Out):
    article_id: int | None
    slug: str | None
    title: str
    category: str | None
    summary: str
    url: str
    score: float


class SearchResults(Out):
    data: list[SearchHit]
    total: int
    page: int
    pages: int
    suggestion: str | None = Field(description="A corrected query, when the search engine has one.")


class PostAuthor(Out):
    id: int | None
    name: str | None


class Answer(Out):
    id: int
    question_id: int
    body: str = Field(description="Markdown.")
    status: PostStatus
    official: bool = Field(description="Written by staff.")
    accepted: bool
    score: int
    author: PostAuthor
    created_at: UtcTime
    edited_at: UtcTime | None


class Question(Out):
    id: int
    title: str
    body: str
    category: str = Field(description="The community category's slug.")
    tags: list[str]
    lang: str
    status: PostStatus
    locked: bool
    pinned: bool
    score: int
    answer_count: int
    accepted_answer_id: int | None
    author: PostAuthor
    url: str
    created_at: UtcTime
    last_activity_at: UtcTime


class QuestionDetail(Question):
    answers: list[Answer] = Field(description="Accepted first, then by votes; moderators also get hidden ones.")


class QuestionList(Out):
    data: list[Question]
    next_cursor: str | None


class QuestionQuery(PageQuery):
    """Newest first. Moderators (community:write) may list hidden, pending or spam questions."""

    category: str | None = Field(None, max_length=80, description="A community category slug.")
    tag: str | None = Field(None, max_length=40)
    status: PostStatus = PostStatus.VISIBLE
