"""Questions and answers as search documents (visible ones only), through the shared search module."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import search_sync
from portal.forum.models import Answer, PostStatus, Question
from portal.markup import markdown_to_text

REBUILD_BATCH = 2000  # rows fetched at a time by a full rebuild: memory stays flat on 200,000 answers


def _question_fields(q: Question) -> dict:
    """What a question and each of its answers share in the index."""
    from portal.forum.services import question_slug

    return {"lang": q.lang, "title": q.title, "tags": list(q.tags or []), "category": q.category.slug,
            "url": f"/community/q/{q.id}-{question_slug(q)}"}


def question_document(q: Question) -> dict:
    return {"id": f"question:{q.id}", "kind": "question", "slug": str(q.id), "summary": "",
            "body": markdown_to_text(q.body), **_question_fields(q)}


def _answer_document(answer_id: int, body: str, official: bool, shared: dict, accepted_id) -> dict:
    return {"id": f"answer:{answer_id}", "kind": "answer", "slug": str(answer_id),
            "summary": "accepted" if accepted_id == answer_id else ("official" if official else ""),
            "body": markdown_to_text(body), **shared, "tags": list(shared["tags"]),
            "url": f"{shared['url']}#a{answer_id}"}


def answer_document(a: Answer) -> dict:
    q = a.question
    return _answer_document(a.id, a.body, a.official, _question_fields(q), q.accepted_answer_id)


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
    """Every visible question and answer, for a full rebuild.

    Rows are streamed in batches, and answers are read as plain columns beside their question's shared
    fields (computed once per question, not once per answer): 200,000 answers never sit in the session.
    """
    shared = {}
    questions = (select(Question).options(joinedload(Question.category))
                 .where(Question.status == PostStatus.VISIBLE, Question.merged_into_id.is_(None))
                 .execution_options(yield_per=REBUILD_BATCH))
    for q in session.scalars(questions):
        doc = question_document(q)
        shared[q.id] = ({k: doc[k] for k in ("lang", "title", "tags", "category", "url")}, q.accepted_answer_id)
        yield doc
    answers = (select(Answer.id, Answer.question_id, Answer.body, Answer.official)
               .where(Answer.status == PostStatus.VISIBLE).order_by(Answer.id)
               .execution_options(yield_per=REBUILD_BATCH))
    for answer_id, question_id, body, official in session.execute(answers):
        if question_id in shared:  # answers of hidden, deleted or merged questions stay out
            fields, accepted_id = shared[question_id]
            yield _answer_document(answer_id, body, official, fields, accepted_id)


search_sync.register_loader("question", load_questions)
search_sync.register_loader("answer", load_answers)
search_sync.register_source(all_documents)
