"""Questions and answers as search documents (visible ones only), through the shared search module."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import search_sync
from portal.forum.models import Answer, PostStatus, Question
from portal.markup import markdown_to_text


def question_document(q: Question) -> dict:
    from portal.forum.services import question_slug

    return {"id": f"question:{q.id}", "kind": "question", "lang": q.lang, "slug": str(q.id), "title": q.title,
            "tags": list(q.tags or []), "summary": "", "body": markdown_to_text(q.body),
            "category": q.category.slug, "url": f"/community/q/{q.id}-{question_slug(q)}"}


def answer_document(a: Answer) -> dict:
    from portal.forum.services import question_slug

    q = a.question
    return {"id": f"answer:{a.id}", "kind": "answer", "lang": q.lang, "slug": str(a.id), "title": q.title,
            "tags": list(q.tags or []), "summary": "accepted" if q.accepted_answer_id == a.id else ("official" if a.official else ""),
            "body": markdown_to_text(a.body), "category": q.category.slug,
            "url": f"/community/q/{q.id}-{question_slug(q)}#a{a.id}"}


def _visible_q(q) -> bool:
    return q is not None and q.status == PostStatus.VISIBLE and not q.merged_into_id


def load_questions(session, ids) -> dict:
    found = {q.id: q for q in session.scalars(select(Question).options(joinedload(Question.category))
                                              .where(Question.id.in_(list(ids))))}
    return {i: question_document(found[i]) if _visible_q(found.get(i)) else None for i in ids}


def load_answers(session, ids) -> dict:
    found = {a.id: a for a in session.scalars(select(Answer).options(
        joinedload(Answer.question).joinedload(Question.category)).where(Answer.id.in_(list(ids))))}
    return {i: answer_document(found[i]) if i in found and found[i].status == PostStatus.VISIBLE
            and _visible_q(found[i].question) else None for i in ids}


def all_documents(session):
    """Every visible question and answer, for a full rebuild."""
    for q in session.scalars(select(Question).options(joinedload(Question.category))
                             .where(Question.status == PostStatus.VISIBLE, Question.merged_into_id.is_(None))):
        yield question_document(q)
    for a in session.scalars(select(Answer).join(Question, Answer.question_id == Question.id)
                             .options(joinedload(Answer.question).joinedload(Question.category))
                             .where(Answer.status == PostStatus.VISIBLE, Question.status == PostStatus.VISIBLE)):
        yield answer_document(a)


search_sync.register_loader("question", load_questions)
search_sync.register_loader("answer", load_answers)
search_sync.register_source(all_documents)
