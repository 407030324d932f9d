"""/api/v1/community: questions and answers (read), and moderation through forum.moderation (hide, unhide,
lock, unlock), each written to the moderation log like the moderators' queue does."""
from flask import Blueprint, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.api import present
from portal.api.errors import ApiError
from portal.api.pagination import keyset
from portal.api.routing import operation
from portal.api.schemas import Reason
from portal.api.schemas import content as schemas
from portal.extensions import db
from portal.forum import moderation
from portal.forum import queries as forum_queries
from portal.forum.models import Answer, PostStatus, Question, QuestionTag
from portal.forum.services import question_slug

bp = Blueprint("community", __name__)
TAG = "Community"


def _author(user) -> dict:
    return {"id": user.id, "name": user.display_name} if user is not None else {"id": None, "name": None}


def _question_json(question) -> dict:
    return {"id": question.id, "title": question.title, "body": question.body, "category": question.category.slug,
            "tags": list(question.tags or []), "lang": question.lang, "status": question.status.value,
            "locked": question.locked, "pinned": question.pinned, "score": question.score,
            "answer_count": question.answer_count, "accepted_answer_id": question.accepted_answer_id,
            "author": _author(question.author),
            "url": url_for("forum.question", question_id=question.id, slug=question_slug(question)),
            "created_at": present.iso(question.created_at), "last_activity_at": present.iso(question.last_activity_at)}


def _answer_json(answer, accepted_id) -> dict:
    return {"id": answer.id, "question_id": answer.question_id, "body": answer.body, "status": answer.status.value,
            "official": answer.official, "accepted": answer.id == accepted_id, "score": answer.score,
            "author": _author(answer.author), "created_at": present.iso(answer.created_at),
            "edited_at": present.iso(answer.edited_at)}


def _moderator(call) -> bool:
    return call.can("forum.moderate")


def _question(call, question_id) -> Question:
    """The question; hidden, pending or spam ones only for moderators (others get 404)."""
    question = db.session.get(Question, question_id)
    if question is None or question.status == PostStatus.DELETED or \
            (not question.is_visible and not _moderator(call)):
        raise ApiError(404, _("We could not find that question."))
    return question


def _detail(call, question) -> dict:
    data = _question_json(question)
    answers = forum_queries.answers_for(question, viewer_is_moderator=_moderator(call))
    data["answers"] = [_answer_json(a, question.accepted_answer_id) for a in answers]
    return data


@bp.get("/community/questions")
@operation(scope="community:read", operation_id="listQuestions", tag=TAG, response=schemas.QuestionList,
           query=schemas.QuestionQuery)
def list_questions(call):
    """List community questions, newest first."""
    q = call.query
    if q.status != PostStatus.VISIBLE and not _moderator(call):
        raise ApiError(403, _("Only moderators can list questions that are not visible."), field="status")
    where = [Question.status == q.status, Question.merged_into_id.is_(None)]
    if q.category:
        category = forum_queries.category_by_slug(q.category)
        where.append(Question.category_id == (category.id if category else -1))
    if q.tag:
        where.append(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == q.tag.lower())))
    query = select(Question).where(*where).options(joinedload(Question.author), joinedload(Question.category))
    rows, cursor = keyset(query, Question, ("id",), (int,), cursor=q.cursor, limit=q.limit, descending=True)
    return {"data": [_question_json(row) for row in rows], "next_cursor": cursor}


@bp.get("/community/questions/<int:question_id>")
@operation(scope="community:read", operation_id="getQuestion", tag=TAG, response=schemas.QuestionDetail,
           errors=(404,))
def get_question(call, question_id):
    """Show a question with its answers."""
    return _detail(call, _question(call, question_id))


def _visibility(call, post_type: str, post_id: int, status: PostStatus):
    moderation.set_visibility(actor=call.user, post_type=post_type, post_id=post_id, status=status,
                              reason=call.body.reason if call.body else "")


@bp.post("/community/questions/<int:question_id>/hide")
@operation(scope="community:write", operation_id="hideQuestion", tag=TAG, response=schemas.QuestionDetail,
           body=Reason, body_optional=True, errors=(404,))
def hide_question(call, question_id):
    """Hide a question from the community (its open reports are resolved)."""
    question = _question(call, question_id)
    _visibility(call, "question", question.id, PostStatus.HIDDEN)
    return _detail(call, question)


@bp.post("/community/questions/<int:question_id>/unhide")
@operation(scope="community:write", operation_id="unhideQuestion", tag=TAG, response=schemas.QuestionDetail,
           body=Reason, body_optional=True, errors=(404,))
def unhide_question(call, question_id):
    """Show a hidden (or approve a pending) question again."""
    question = _question(call, question_id)
    _visibility(call, "question", question.id, PostStatus.VISIBLE)
    return _detail(call, question)


@bp.post("/community/questions/<int:question_id>/lock")
@operation(scope="community:write", operation_id="lockQuestion", tag=TAG, response=schemas.QuestionDetail,
           body=Reason, body_optional=True, errors=(404,))
def lock_question(call, question_id):
    """Lock a question: no new answers or comments."""
    question = _question(call, question_id)
    moderation.set_lock(actor=call.user, question=question, locked=True, reason=call.body.reason)
    return _detail(call, question)


@bp.post("/community/questions/<int:question_id>/unlock")
@operation(scope="community:write", operation_id="unlockQuestion", tag=TAG, response=schemas.QuestionDetail,
           body=Reason, body_optional=True, errors=(404,))
def unlock_question(call, question_id):
    """Unlock a question."""
    question = _question(call, question_id)
    moderation.set_lock(actor=call.user, question=question, locked=False, reason=call.body.reason)
    return _detail(call, question)


def _answer(call, answer_id) -> Answer:
    answer = db.session.get(Answer, answer_id)
    visible = answer is not None and answer.status == PostStatus.VISIBLE
    if answer is None or answer.status == PostStatus.DELETED or (not visible and not _moderator(call)):
        raise ApiError(404, _("We could not find that answer."))
    _question(call, answer.question_id)
    return answer


@bp.post("/community/answers/<int:answer_id>/hide")
@operation(scope="community:write", operation_id="hideAnswer", tag=TAG, response=schemas.Answer,
           body=Reason, body_optional=True, errors=(404,))
def hide_answer(call, answer_id):
    """Hide an answer (an accepted one stops being the accepted answer)."""
    answer = _answer(call, answer_id)
    _visibility(call, "answer", answer.id, PostStatus.HIDDEN)
    return _answer_json(answer, answer.question.accepted_answer_id)


@bp.post("/community/answers/<int:answer_id>/unhide")
@operation(scope="community:write", operation_id="unhideAnswer", tag=TAG, response=schemas.Answer,
           body=Reason, body_optional=True, errors=(404,))
def unhide_answer(call, answer_id):
    """Show a hidden (or approve a pending) answer again."""
    answer = _answer(call, answer_id)
    _visibility(call, "answer", answer.id, PostStatus.VISIBLE)
    return _answer_json(answer, answer.question.accepted_answer_id)
