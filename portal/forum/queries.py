"""Read side of the community: lists with sorting, the question page, profiles, flags, search."""
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.forum.models import (
    Answer, Comment, Flag, ForumCategory, ForumProfile, ModerationLog, PostStatus, Question, QuestionTag, Vote,
)

ANSWER_BOOST = {"accepted": 1.5, "official": 1.3}
SORTS = ("activity", "newest", "votes", "unanswered")
PER_PAGE = 20


def categories() -> list[ForumCategory]:
    return list(db.session.scalars(select(ForumCategory).order_by(ForumCategory.position, ForumCategory.name)))


def category_by_slug(slug: str) -> ForumCategory | None:
    return db.session.scalar(select(ForumCategory).where(ForumCategory.slug == slug))


@dataclass
class QuestionPage:
    questions: list
    page: int
    pages: int
    total: int


def question_list(*, category: ForumCategory | None = None, tag: str | None = None, sort: str = "activity",
                  page: int = 1, author_id: int | None = None) -> QuestionPage:
    """Visible questions of a category or tag; pinned first when sorted by activity.

    The page's ids are found first, from an index alone, and only those rows are loaded with their
    authors: a deep page skips index entries, not whole questions with their joined rows.
    """
    sort = sort if sort in SORTS else "activity"
    where = [Question.status == PostStatus.VISIBLE, Question.merged_into_id.is_(None)]
    if category is not None:
        where.append(Question.category_id == category.id)
    if tag:
        where.append(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag.lower())))
    if author_id:
        where.append(Question.author_id == author_id)
    if sort == "unanswered":
        where.append(Question.answer_count == 0)
    order = {"activity": (Question.pinned.desc(), Question.last_activity_at.desc()),
             "newest": (Question.created_at.desc(),), "votes": (Question.score.desc(), Question.created_at.desc()),
             "unanswered": (Question.created_at.desc(),)}[sort] + (Question.id.desc(),)
    total = category.question_count if category is not None and not tag and sort != "unanswered" and not author_id \
        else db.session.scalar(select(func.count()).select_from(Question).where(*where))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    page_ids = select(Question.id).where(*where).order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    rows = list(db.session.scalars(select(Question).options(joinedload(Question.author), joinedload(Question.category))
                                   .where(Question.id.in_(page_ids)).order_by(*order)))
    return QuestionPage(rows, page, pages, total)


def answers_for(question: Question, *, viewer_is_moderator: bool) -> list[Answer]:
    """Accepted first, then by votes; moderators also see hidden and pending answers."""
    statuses = (PostStatus.VISIBLE, PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.SPAM) if viewer_is_moderator \
        else (PostStatus.VISIBLE,)
    accepted_first = case((Answer.id == (question.accepted_answer_id or -1), 0), else_=1)
    return list(db.session.scalars(select(Answer).options(joinedload(Answer.author))
                                   .where(Answer.question_id == question.id, Answer.status.in_(statuses))
                                   .order_by(accepted_first, Answer.score.desc(), Answer.created_at)))


def comments_for(question: Question, *, viewer_is_moderator: bool) -> dict:
    """Comments grouped by answer id (None for the question's own)."""
    statuses = (PostStatus.VISIBLE, PostStatus.PENDING, PostStatus.HIDDEN) if viewer_is_moderator else \
        (PostStatus.VISIBLE,)
    grouped = {}
    for c in db.session.scalars(select(Comment).options(joinedload(Comment.author))
                                .where(Comment.question_id == question.id, Comment.status.in_(statuses))
                                .order_by(Comment.created_at)):
        grouped.setdefault(c.answer_id, []).append(c)
    return grouped


def my_votes(user, question: Question, answers: list[Answer]) -> dict:
    if not getattr(user, "is_authenticated", False):
        return {}
    keys = [("question", question.id)] + [("answer", a.id) for a in answers]
    rows = db.session.execute(select(Vote.post_type, Vote.post_id, Vote.value).where(
        Vote.user_id == user.id, Vote.post_id.in_([k[1] for k in keys])))
    return {(t, i): v for t, i, v in rows if (t, i) in keys}


def profiles_for(user_ids) -> dict:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return {p.user_id: p for p in db.session.scalars(select(ForumProfile).where(ForumProfile.user_id.in_(ids)))}


def open_flags(limit: int = 100) -> list[Flag]:
    return list(db.session.scalars(select(Flag).options(joinedload(Flag.reporter)).where(Flag.status == "open")
                                   .order_by(Flag.created_at).limit(limit)))


def pending_posts(limit: int = 100) -> list:
    questions = list(db.session.scalars(select(Question).options(joinedload(Question.author))
                                        .where(Question.status == PostStatus.PENDING).limit(limit)))
    answers = list(db.session.scalars(select(Answer).options(joinedload(Answer.author), joinedload(Answer.question))
                                      .where(Answer.status == PostStatus.PENDING).limit(limit)))
    comments = list(db.session.scalars(select(Comment).options(joinedload(Comment.author))
                                       .where(Comment.status == PostStatus.PENDING).limit(limit)))
    return [("question", q) for q in questions] + [("answer", a) for a in answers] + [("comment", c) for c in comments]


def moderation_log(limit: int = 200) -> list[ModerationLog]:
    return list(db.session.scalars(select(ModerationLog).options(joinedload(ModerationLog.actor))
                                   .order_by(ModerationLog.id.desc()).limit(limit)))


def similar(text: str, lang: str, limit: int = 5) -> list[dict]:
    """Questions and help articles close to a title being typed (to avoid duplicates)."""
    from portal.search import get_index

    if len((text or "").strip()) < 3:
        return []
    try:
        found = get_index().search(text, lang=lang, kinds=("question", "article"), per_page=limit, highlight=False)
    except Exception:  # suggestions are a convenience: never fail the page
        return []
    return [{"title": h.title, "url": h.fields.get("url"), "kind": h.kind} for h in found.hits[:limit]]


def search(q: str, lang: str, page: int = 1):
    """Forum search: questions and answers, accepted and official answers first among equals."""
    from portal.search import get_index

    results = get_index().search(q, lang=lang, kinds=("question", "answer"), page=page, per_page=10)
    results.hits.sort(key=lambda h: -(h.score * ANSWER_BOOST.get(h.fields.get("summary"), 1.0)))
    return results
