"""Community posts: ask, answer, comment, edit, delete, vote, accept, follow, flag.

Permission and safety checks happen here; services flush, callers commit. Side effects: search index
(after commit), notification mail (queued in the transaction), reputation.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal import search_sync
from portal.errors import Conflict, NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.forum import guard, notifications
from portal.forum.models import (
    Answer, Comment, Flag, Follow, ForumCategory, ForumProfile, PostRevision, PostStatus, Question, QuestionTag,
    Vote, post_type_label,
)
from portal.inputs import parse_id
from portal.models_base import utcnow
from portal.permissions import can
from portal.text import clean_tags, slugify

REP_UPVOTE = {"question": 5, "answer": 10}
REP_DOWNVOTE = -2
REP_ACCEPTED = 15
# (required, too short, too long) per text field; "too long" takes %(num)d, the limit.
TEXT_ERRORS = {
    "title": (_l("Title is required."), _l("Title is too short."),
              _l("Title is too long (at most %(num)d characters).")),
    "details": (_l("Details is required."), _l("Details is too short."),
                _l("Details is too long (at most %(num)d characters).")),
    "answer": (_l("Answer is required."), _l("Answer is too short."),
               _l("Answer is too long (at most %(num)d characters).")),
    "comment": (_l("Comment is required."), _l("Comment is too short."),
                _l("Comment is too long (at most %(num)d characters).")),
    "reason": (_l("Reason is required."), _l("Reason is too short."),
               _l("Reason is too long (at most %(num)d characters).")),
}


def profile_for(user) -> ForumProfile:
    """The user's forum profile, created with a unique @handle on first use."""
    profile = db.session.get(ForumProfile, user.id)
    if profile is None:
        base = slugify(user.display_name, 40) or f"member-{user.id}"
        handle, n = base, 1
        while db.session.scalar(select(ForumProfile.user_id).where(ForumProfile.handle == handle)):
            n += 1
            handle = f"{base}-{n}"
        profile = ForumProfile(user_id=user.id, handle=handle, reputation=0, accepted_count=0, question_count=0,
                               answer_count=0, approved_posts=0)
        db.session.add(profile)
        db.session.flush()
    return profile


def _text(value, field, kind, limit, minimum=1) -> str:
    """The trimmed text, or ValidationError on `field` with the messages of TEXT_ERRORS[kind]."""
    required, too_short, too_long = TEXT_ERRORS[kind]
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationError(too_short if value else required, field=field)
    if len(value) > limit:
        raise ValidationError(str(too_long) % {"num": limit}, field=field)
    return value


def _initial_status(user) -> PostStatus:
    return PostStatus.PENDING if guard.needs_premoderation(user) else PostStatus.VISIBLE


def _set_tags(question: Question, tags) -> None:
    question.tags = clean_tags(tags)[:5]
    db.session.execute(delete(QuestionTag).where(QuestionTag.question_id == question.id))
    for tag in question.tags:
        db.session.add(QuestionTag(question_id=question.id, tag=tag))


def ask(*, author, category: ForumCategory, title: str, body: str, tags=(), lang: str = "en",
        ip: str | None = None) -> Question:
    """Post a question (pending when the author's first post needs pre-moderation); the asker follows it."""
    title = _text(title, "title", "title", 200, minimum=10)
    body = _text(body, "body", "details", 20000, minimum=10)
    guard.check_can_post(author, ip=ip, text=body)
    question = Question(category_id=category.id, author_id=author.id, title=title, body=body, lang=lang,
                        status=_initial_status(author), ip=ip, created_at=utcnow(), last_activity_at=utcnow())
    db.session.add(question)
    db.session.flush()
    _set_tags(question, tags)
    db.session.add(Follow(user_id=author.id, question_id=question.id))
    profile_for(author).question_count += 1
    if question.is_visible:
        _count_visible(question, +1)
        notifications.mentions(question.body, author, question)
    search_sync.schedule("question", question.id)
    return question


def _count_visible(question, delta) -> None:
    category = db.session.get(ForumCategory, question.category_id)
    category.question_count = max(0, (category.question_count or 0) + delta)
    if question.author_id and delta > 0:
        profile_for(question.author).approved_posts += 1


def answer(*, author, question: Question, body: str, ip: str | None = None) -> Answer:
    """Answer a visible, unlocked question; staff answers carry the Official badge."""
    if not question.is_visible or question.merged_into_id:
        raise NotFound(_("We could not find that question."))
    if question.locked and not can(author, "forum.moderate"):
        raise PermissionDenied(_("This question is locked: it no longer takes answers."))
    body = _text(body, "body", "answer", 20000, minimum=2)
    guard.check_can_post(author, ip=ip, text=body)
    post = Answer(question_id=question.id, author_id=author.id, body=body, status=_initial_status(author),
                  official=author.is_staff, ip=ip, created_at=utcnow())
    db.session.add(post)
    db.session.flush()
    profile_for(author).answer_count += 1
    if post.status == PostStatus.VISIBLE:
        _answer_published(question, post)
    return post


def _answer_published(question: Question, post: Answer) -> None:
    question.answer_count += 1
    question.last_activity_at = utcnow()
    if post.author_id:
        profile_for(post.author).approved_posts += 1
    notifications.new_answer(question, post)
    notifications.mentions(post.body, post.author, question)
    search_sync.schedule("answer", post.id)
    search_sync.schedule("question", question.id)


def comment(*, author, question: Question, body: str, answer_post: Answer | None = None,
            ip: str | None = None) -> Comment:
    """A short comment on a question or one of its answers."""
    if not question.is_visible or (answer_post is not None and answer_post.question_id != question.id):
        raise NotFound(_("We could not find that post."))
    if question.locked and not can(author, "forum.moderate"):
        raise PermissionDenied(_("This question is locked."))
    body = _text(body, "body", "comment", 1000, minimum=2)
    guard.check_can_post(author, ip=ip, text=body)
    post = Comment(question_id=question.id, answer_id=getattr(answer_post, "id", None), author_id=author.id, body=body,
                   status=_initial_status(author), ip=ip, created_at=utcnow())
    db.session.add(post)
    question.last_activity_at = utcnow()
    db.session.flush()
    if post.status == PostStatus.VISIBLE:
        notifications.mentions(body, author, question)
    return post


def _can_edit(user, post) -> bool:
    return post.author_id == user.id or can(user, "forum.moderate")


def edit_question(question: Question, *, editor, title: str, body: str, tags=None, reason: str = "") -> None:
    """Edit (own post, or a moderator): the previous text is kept as a revision and "edited" is shown."""
    if not _can_edit(editor, question) or question.status == PostStatus.DELETED:
        raise NotFound(_("We could not find that question."))
    guard.check_can_post(editor, ip=None, text=body) if editor.id == question.author_id else None
    title = _text(title, "title", "title", 200, minimum=10)
    body = _text(body, "body", "details", 20000, minimum=10)
    db.session.add(PostRevision(post_type="question", post_id=question.id, editor_id=editor.id,
                                title=question.title, body=question.body))
    question.title, question.body, question.edited_at = title, body, utcnow()
    if tags is not None:
        _set_tags(question, tags)
    if editor.id != question.author_id:
        from portal.forum import moderation

        moderation.log(editor, "edit", "question", question.id, reason)
    search_sync.schedule("question", question.id)
    db.session.flush()


def edit_answer(post: Answer, *, editor, body: str, reason: str = "") -> None:
    if not _can_edit(editor, post) or post.status == PostStatus.DELETED:
        raise NotFound(_("We could not find that answer."))
    body = _text(body, "body", "answer", 20000, minimum=2)
    db.session.add(PostRevision(post_type="answer", post_id=post.id, editor_id=editor.id, body=post.body))
    post.body, post.edited_at = body, utcnow()
    if editor.id != post.author_id:
        from portal.forum import moderation

        moderation.log(editor, "edit", "answer", post.id, reason)
    search_sync.schedule("answer", post.id)
    db.session.flush()


def delete_question(question: Question, *, user) -> None:
    """Authors may delete their question while it has no answers."""
    if question.author_id != user.id or question.status == PostStatus.DELETED:
        raise NotFound(_("We could not find that question."))
    if question.answer_count:
        raise Conflict(_("A question with answers cannot be deleted: others' answers would be lost."))
    if question.is_visible:
        _count_visible(question, -1)
    question.status = PostStatus.DELETED
    search_sync.schedule("question", question.id)
    db.session.flush()


def delete_answer(post: Answer, *, user) -> None:
    """Authors may delete their answer unless it was accepted."""
    question = post.question
    if post.author_id != user.id or post.status == PostStatus.DELETED:
        raise NotFound(_("We could not find that answer."))
    if question.accepted_answer_id == post.id:
        raise Conflict(_("An accepted answer cannot be deleted."))
    if post.status == PostStatus.VISIBLE:
        question.answer_count = max(0, question.answer_count - 1)
    post.status = PostStatus.DELETED
    search_sync.schedule("answer", post.id)
    db.session.flush()


def _post(post_type: str, post_id: int):
    model = {"question": Question, "answer": Answer}.get(post_type)
    post = db.session.get(model, post_id) if model and parse_id(post_id) else None
    if post is None or post.status != PostStatus.VISIBLE:
        raise NotFound(_("We could not find that post."))
    return post


def vote(*, user, post_type: str, post_id: int, value: int, ip: str | None = None) -> int:
    """Up (+1), down (-1) or withdraw (0) one vote per user, never on one's own post; returns the new score."""
    if value not in (-1, 0, 1):
        raise ValidationError(_("A vote is +1, -1 or 0."), field="value")
    post = _post(post_type, post_id)
    if post.author_id == user.id:
        raise PermissionDenied(_("You cannot vote on your own post."))
    guard.check_can_vote(user, ip=ip)
    existing = db.session.get(Vote, (user.id, post_type, post_id))
    old = existing.value if existing else 0
    if old == value:
        return post.score
    if existing is None:
        existing = Vote(user_id=user.id, post_type=post_type, post_id=post_id, value=value, ip=ip, created_at=utcnow())
        db.session.add(existing)
    elif value == 0:
        db.session.delete(existing)
    else:
        existing.value, existing.created_at = value, utcnow()
    post.score += value - old
    if post.author_id:
        profile = profile_for(post.author)
        profile.reputation += _rep(post_type, value) - _rep(post_type, old)
    db.session.flush()
    return post.score


def _rep(post_type: str, value: int) -> int:
    return REP_UPVOTE[post_type] if value > 0 else REP_DOWNVOTE if value < 0 else 0


def accept(*, user, question: Question, post: Answer | None) -> None:
    """The asker (or a moderator) accepts one answer (None to un-accept); it is pinned first."""
    if question.author_id != user.id and not can(user, "forum.moderate"):
        raise PermissionDenied(_("Only the person who asked can accept an answer."))
    if post is not None and (post.question_id != question.id or post.status != PostStatus.VISIBLE):
        raise NotFound(_("We could not find that answer."))
    previous = db.session.get(Answer, question.accepted_answer_id) if question.accepted_answer_id else None
    if previous is not None and previous.author_id and previous.author_id != question.author_id:
        profile = profile_for(previous.author)
        profile.reputation -= REP_ACCEPTED
        profile.accepted_count -= 1
    question.accepted_answer_id = getattr(post, "id", None)
    if post is not None and post.author_id and post.author_id != question.author_id:
        profile = profile_for(post.author)
        profile.reputation += REP_ACCEPTED
        profile.accepted_count += 1
        notifications.answer_accepted(question, post)
    for changed in (previous, post):
        if changed is not None:
            search_sync.schedule("answer", changed.id)
    db.session.flush()


def follow(*, user, question: Question, on: bool = True) -> None:
    existing = db.session.get(Follow, (user.id, question.id))
    if on and existing is None:
        db.session.add(Follow(user_id=user.id, question_id=question.id))
    elif not on and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def flag(*, user, post_type: str, post_id: int, reason: str) -> Flag:
    """Report a post to the moderators, once per user and post."""
    if post_type not in ("question", "answer", "comment"):
        raise ValidationError(_("Unknown post."), field="post_type")
    if parse_id(post_id) is None:
        raise NotFound(_("We could not find that post."))
    reason = _text(reason, "reason", "reason", 300, minimum=3)
    if db.session.scalar(select(Flag.id).where(Flag.post_type == post_type, Flag.post_id == post_id,
                                               Flag.reporter_id == user.id)):
        raise Conflict(_("You already reported this post; moderators will look at it."))
    item = Flag(post_type=post_type, post_id=post_id, reporter_id=user.id, reason=reason)
    db.session.add(item)
    db.session.flush()
    return item


def record_view(question: Question) -> None:
    question.view_count = (question.view_count or 0) + 1


def question_slug(question: Question) -> str:
    return slugify(question.title, 80) or "question"


MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9-]{1,59})")


DEFAULT_CATEGORIES = [
    ("product-questions", "Product questions", "Materials, care, compatibility: ask before you buy."),
    ("sizing-and-fit", "Sizing and fit", "How does it fit? Compare notes with other customers."),
    ("shipping-and-delivery", "Shipping and delivery", "Carriers, delays, deliveries abroad."),
    ("ideas-and-feedback", "Ideas and feedback", "Tell us what you would like to see in the shop."),
]


def ensure_default_categories() -> int:
    """Create the starter categories that are missing; returns how many were added."""
    added = 0
    for position, (slug, name, description) in enumerate(DEFAULT_CATEGORIES):
        if not db.session.scalar(select(ForumCategory.id).where(ForumCategory.slug == slug)):
            db.session.add(ForumCategory(slug=slug, name=name, description=description, position=position,
                                         question_count=0))
            added += 1
    db.session.flush()
    return added


def init_app(app):
    app.jinja_env.filters["forum_slug"] = lambda title: slugify(title or "", 80) or "question"
    app.jinja_env.filters["post_type_label"] = post_type_label
