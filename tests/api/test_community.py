"""/api/v1/community: questions and answers as the community shows them; moderators hide, unhide, lock and
unlock through the moderation service (logged), and see what they hid."""
from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.forum.models import ModerationLog, PostStatus, Question
from tests.api.conftest import error_of
from tests.factories import make_answer, make_question, make_user


def test_read_questions_with_their_answers(api, token, agent):
    question = make_question(title="Which size should I take?", tags=["sizes"])
    answer = make_answer(question, body="Take one size up.")
    other = make_question(title="Do you ship to Canada?")
    secret = token(agent, "community:read")
    listed = api.get("/community/questions", token=secret).get_json()
    assert [q["id"] for q in listed["data"]] == [other.id, question.id]
    tagged = api.get("/community/questions?tag=sizes", token=secret).get_json()["data"]
    assert [q["id"] for q in tagged] == [question.id]
    shown = api.get(f"/community/questions/{question.id}", token=secret).get_json()
    assert shown["title"] == "Which size should I take?" and shown["url"].startswith(f"/community/q/{question.id}")
    assert [(a["id"], a["body"]) for a in shown["answers"]] == [(answer.id, "Take one size up.")]
    by_category = api.get(f"/community/questions?category={question.category.slug}", token=secret).get_json()
    assert [q["id"] for q in by_category["data"]] == [question.id]
    assert api.get("/community/questions/987654", token=secret).status_code == 404


def test_moderators_hide_unhide_lock_and_unlock(api, token, agent):
    question = make_question()
    answer = make_answer(question)
    secret = token(agent, "community:read", "community:write")
    hidden = api.post(f"/community/questions/{question.id}/hide", token=secret, json={"reason": "Off topic"})
    assert hidden.status_code == 200 and hidden.get_json()["status"] == "hidden"
    assert api.get("/community/questions?status=hidden", token=secret).get_json()["data"][0]["id"] == question.id
    shown = api.post(f"/community/questions/{question.id}/unhide", token=secret)  # no body: no reason
    assert shown.get_json()["status"] == "visible"
    locked = api.post(f"/community/questions/{question.id}/lock", token=secret, json={})
    assert locked.get_json()["locked"] is True
    assert api.post(f"/community/questions/{question.id}/unlock", token=secret).get_json()["locked"] is False
    hidden_answer = api.post(f"/community/answers/{answer.id}/hide", token=secret, json={"reason": "Spam link"})
    assert hidden_answer.status_code == 200 and hidden_answer.get_json()["status"] == "hidden"
    assert api.post(f"/community/answers/{answer.id}/unhide", token=secret).get_json()["status"] == "visible"
    actions = [row.action for row in db.session.scalars(select(ModerationLog).order_by(ModerationLog.id))]
    assert actions == ["hide", "unhide", "lock", "unlock", "hide", "unhide"]
    assert db.session.scalars(select(ModerationLog)).first().reason == "Off topic"
    assert error_of(api.post(f"/community/questions/{question.id}/hide", token=secret,
                             json={"reason": "x" * 301}))["field"] == "reason"
    assert api.post("/community/answers/987654/hide", token=secret).status_code == 404


def test_hidden_posts_are_404_for_readers_who_cannot_moderate(api, token, agent):
    question = make_question()
    question.status = PostStatus.HIDDEN
    db.session.commit()
    editor = make_user(Role.EDITOR)
    reader = token(editor, "community:read")
    assert api.get(f"/community/questions/{question.id}", token=reader).status_code == 404
    refused = api.get("/community/questions?status=hidden", token=reader)
    assert refused.status_code == 403 and error_of(refused)["field"] == "status"
    assert api.get(f"/community/questions/{question.id}", token=token(agent, "community:read")).status_code == 200


def test_moderation_needs_the_write_scope(api, token, agent):
    question = make_question()
    response = api.post(f"/community/questions/{question.id}/lock", token=token(agent, "community:read"))
    assert response.status_code == 403 and error_of(response)["code"] == "insufficient_scope"
    assert db.session.get(Question, question.id).locked is False
