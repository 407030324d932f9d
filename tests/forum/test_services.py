"""Community rules: who may post, edit, delete and vote; reputation; accept; moderation; escalation."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationError
from portal.extensions import db
from portal.forum import moderation, services
from portal.forum.models import Answer, ModerationLog, PostRevision, PostStatus
from portal.mail import OutgoingMail
from portal.models_base import utcnow
from tests.factories import make_agent, make_answer, make_question, make_user


def rep(user):
    return services.profile_for(user).reputation


def test_posting_needs_a_verified_account(app):
    from portal.accounts import services as accounts

    unverified = accounts.register_customer(email="new@example.com", password="correct-horse-9")
    with pytest.raises(PermissionDenied, match="Confirm your email"):
        make_question(author=unverified)


def test_votes_once_per_user_changeable_never_on_own_post_and_reputation_follows(app):
    asker, answerer, voter, other = make_user(), make_user(), make_user(), make_user()
    question = make_question(author=asker)
    answer = make_answer(question, author=answerer)
    with pytest.raises(PermissionDenied, match="own post"):
        services.vote(user=answerer, post_type="answer", post_id=answer.id, value=1)
    assert services.vote(user=voter, post_type="answer", post_id=answer.id, value=1) == 1
    assert services.vote(user=voter, post_type="answer", post_id=answer.id, value=1) == 1  # twice = once
    assert rep(answerer) == 10
    assert services.vote(user=voter, post_type="answer", post_id=answer.id, value=-1) == -1
    assert rep(answerer) == -2
    services.vote(user=other, post_type="question", post_id=question.id, value=1)
    assert rep(asker) == 5
    services.vote(user=voter, post_type="answer", post_id=answer.id, value=0)
    assert rep(answerer) == 0 and answer.score == 0


def test_accept_pins_first_moves_reputation_and_only_asker_or_moderator(app):
    asker, first, second = make_user(), make_user(), make_user()
    question = make_question(author=asker)
    a1, a2 = make_answer(question, author=first), make_answer(question, author=second)
    services.vote(user=make_user(), post_type="answer", post_id=a1.id, value=1)
    with pytest.raises(PermissionDenied):
        services.accept(user=first, question=question, post=a2)
    services.accept(user=asker, question=question, post=a2)
    assert rep(second) == 15 and services.profile_for(second).accepted_count == 1
    from portal.forum import queries
    assert [a.id for a in queries.answers_for(question, viewer_is_moderator=False)] == [a2.id, a1.id]
    services.accept(user=make_agent(), question=question, post=a1)  # a moderator may too
    assert rep(second) == 0 and rep(first) == 25 and question.accepted_answer_id == a1.id


def test_edit_keeps_a_revision_and_others_cannot_edit_or_delete(app):
    asker, stranger = make_user(), make_user()
    question = make_question(author=asker, title="Original title here", body="Original body text")
    with pytest.raises(NotFound):
        services.edit_question(question, editor=stranger, title="Hacked title here", body="Hacked body text")
    services.edit_question(question, editor=asker, title="Better title here", body="Better body text")
    revision = db.session.scalar(select(PostRevision))
    assert revision.title == "Original title here" and question.edited_at is not None
    with pytest.raises(NotFound):
        services.delete_question(question, user=stranger)
    make_answer(question)
    with pytest.raises(Conflict, match="with answers"):
        services.delete_question(question, user=asker)
    lonely = make_question(author=asker)
    services.delete_question(lonely, user=asker)
    assert lonely.status == PostStatus.DELETED


def test_locked_questions_take_no_answers_except_from_moderators(app):
    mod = make_agent()
    question = make_question()
    moderation.set_lock(actor=mod, question=question, locked=True, reason="Resolved")
    with pytest.raises(PermissionDenied, match="locked"):
        make_answer(question)
    assert make_answer(question, author=mod).official is True


def test_banned_and_suspended_members_are_told_why_and_cannot_post_or_vote(app):
    mod, member = make_agent(), make_user()
    question = make_question(author=member)
    answer = make_answer(make_question(), author=member)
    moderation.sanction(actor=mod, user=member, kind="ban", reason="Repeated spam", hide_posts=True)
    db.session.commit()
    assert question.status == PostStatus.HIDDEN and answer.status == PostStatus.HIDDEN
    with pytest.raises(PermissionDenied, match="banned from the community: Repeated spam"):
        make_question(author=member)
    with pytest.raises(PermissionDenied, match="banned"):
        services.vote(user=member, post_type="question", post_id=make_question().id, value=1)
    other = make_user()
    with pytest.raises(ValidationError, match="end date"):
        moderation.sanction(actor=mod, user=other, kind="suspend", reason="Cool down", until=None)
    moderation.sanction(actor=mod, user=other, kind="suspend", reason="Cool down",
                        until=utcnow() + timedelta(days=2))
    with pytest.raises(PermissionDenied, match="suspended until"):
        make_question(author=other)
    with pytest.raises(PermissionDenied):
        moderation.sanction(actor=make_user(), user=other, kind="ban", reason="x")


def test_rate_limit_link_limit_and_premoderation(app):
    app.config.update(FORUM_POSTS_PER_HOUR=2, FORUM_PREMODERATE_FIRST_POST=True, FORUM_NEW_USER_MAX_LINKS=1)
    newbie = make_user()
    with pytest.raises(ValidationError, match="at most 1 link"):
        make_question(author=newbie, body="See http://a.example and http://b.example for cheap stuff")
    db.session.rollback()
    first = make_question(author=newbie)
    assert first.status == PostStatus.PENDING  # first post waits for a moderator
    moderation.set_visibility(actor=make_agent(), post_type="question", post_id=first.id, status="visible")
    assert make_question(author=newbie).status == PostStatus.VISIBLE
    with pytest.raises(RateLimited, match="2 times per hour"):
        make_question(author=newbie)


def test_merge_moves_answers_and_leaves_a_redirect(app):
    mod = make_agent()
    original, duplicate = make_question(), make_question()
    moved = make_answer(duplicate, body="Answer on the duplicate")
    make_answer(original)
    moderation.merge(actor=mod, source=duplicate, target=original, reason="Duplicate")
    db.session.commit()
    assert moved.question_id == original.id and original.answer_count == 2
    assert duplicate.merged_into_id == original.id
    assert db.session.scalar(select(ModerationLog.action).where(ModerationLog.target_id == duplicate.id)) == "merge"


def test_escalation_opens_a_ticket_for_the_asker(app):
    from portal.tickets.models import Ticket

    asker = make_user()
    question = make_question(author=asker, title="My order arrived broken", body="The parcel was crushed.")
    ticket = moderation.escalate(actor=make_agent(), question=question, reason="Needs order details")
    db.session.commit()
    assert ticket.requester_id == asker.id and ticket.subject == "My order arrived broken"
    assert question.ticket_id == ticket.id and question.locked
    assert db.session.scalar(select(func.count(Ticket.id))) == 1
    with pytest.raises(ValidationError):
        moderation.escalate(actor=make_agent(), question=question)


def test_promote_accepted_answer_into_an_article_draft(app):
    from portal.kb.models import ArticleStatus
    from tests.factories import make_category

    make_category()
    asker = make_user()
    question = make_question(author=asker, title="How do I wash the wool jumper?")
    answer = make_answer(question, body="Cold water, by hand, dry flat.")
    with pytest.raises(ValidationError, match="accepted answer"):
        moderation.promote(actor=make_user(role=Role.EDITOR), question=question)
    services.accept(user=asker, question=question, post=answer)
    article = moderation.promote(actor=make_user(role=Role.EDITOR), question=question)
    assert article.status == ArticleStatus.DRAFT and article.title == question.title
    assert "Cold water, by hand, dry flat." in article.body and f"/community/q/{question.id}" in article.body
    with pytest.raises(PermissionDenied):
        moderation.promote(actor=make_user(), question=question)


def test_notifications_for_answers_accepts_and_mentions(app):
    asker = make_user(email="asker@example.com", name="Ada Asker")
    follower = make_user(email="follower@example.com")
    answerer = make_user(email="answerer@example.com", name="Ana Answer")
    question = make_question(author=asker, title="Which size for a 1m80 person?")
    services.follow(user=follower, question=question)
    answer = make_answer(question, author=answerer, body="Take an L. cc @ada-asker")
    services.accept(user=asker, question=question, post=answer)
    db.session.commit()
    to = lambda email: [m.subject for m in db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == email))]  # noqa: E731
    assert to("asker@example.com") == ["New answer to: Which size for a 1m80 person?",
                                      "You were mentioned in: Which size for a 1m80 person?"]
    assert to("follower@example.com") == ["New answer to: Which size for a 1m80 person?"]
    assert to("answerer@example.com") == ["Your answer was accepted: Which size for a 1m80 person?"]
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.to == "follower@example.com"))
    assert "/notifications/" in mail.text and mail.headers["List-Unsubscribe"]
    from portal.tickets import notifications as prefs

    prefs.set_preference("follower@example.com", ticket_notifications=True, forum_notifications=False)
    make_answer(question, body="Another one")
    db.session.commit()
    assert len(to("follower@example.com")) == 1


def test_hidden_posts_leave_counts_and_accepted_state(app):
    asker, mod = make_user(), make_agent()
    question = make_question(author=asker)
    answer = make_answer(question)
    services.accept(user=asker, question=question, post=answer)
    moderation.set_visibility(actor=mod, post_type="answer", post_id=answer.id, status="spam", reason="Link farm")
    assert question.answer_count == 0 and question.accepted_answer_id is None
    moderation.set_visibility(actor=mod, post_type="answer", post_id=answer.id, status="visible")
    assert question.answer_count == 1
    assert [e.action for e in db.session.scalars(select(ModerationLog).order_by(ModerationLog.id))] == ["spam",
                                                                                                     "unhide"]
    assert db.session.get(Answer, answer.id).status == PostStatus.VISIBLE
