"""Moderator actions, each written to the audit log: flags, hide/unhide, lock, pin, move, merge, spam,
sanctions, escalation into a private ticket, promotion of an accepted answer into a help article draft."""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal import search_sync
from portal.errors import NotFound, PermissionDenied, ValidationError
from portal.extensions import db
from portal.forum.models import (
    Answer, Comment, Flag, ForumCategory, ModerationLog, PostStatus, Question, Sanction,
)
from portal.models_base import utcnow
from portal.permissions import can

MODELS = {"question": Question, "answer": Answer, "comment": Comment}


def _require(actor, permission="forum.moderate") -> None:
    if not can(actor, permission):
        raise PermissionDenied(_("Only moderators can do that."))


def log(actor, action: str, target_type: str, target_id: int, reason: str = "", **details) -> None:
    """Who did what to which post or user, when and why."""
    db.session.add(ModerationLog(actor_id=getattr(actor, "id", None), action=action, target_type=target_type,
                                 target_id=target_id, reason=(reason or "")[:300], details=details))


def get_post(post_type: str, post_id: int):
    model = MODELS.get(post_type)
    post = db.session.get(model, post_id) if model else None
    if post is None:
        raise NotFound(_("We could not find that post."))
    return post


def _index(post_type, post) -> None:
    if post_type == "question":
        search_sync.schedule("question", post.id)
    elif post_type == "answer":
        search_sync.schedule("answer", post.id)
        search_sync.schedule("question", post.question_id)


def set_visibility(*, actor, post_type: str, post_id: int, status: PostStatus | str, reason: str = "") -> None:
    """Hide, unhide, approve (pending → visible) or mark as spam; counters and the index follow."""
    from portal.forum import services

    _require(actor)
    status = PostStatus(status)
    post = get_post(post_type, post_id)
    old = post.status
    if old == status:
        return
    post.status = status
    if post_type == "question":
        if status == PostStatus.VISIBLE and old != PostStatus.VISIBLE:
            services._count_visible(post, +1)
        elif old == PostStatus.VISIBLE:
            services._count_visible(post, -1)
    elif post_type == "answer":
        question = post.question
        if status == PostStatus.VISIBLE and old != PostStatus.VISIBLE:
            services._answer_published(question, post) if old == PostStatus.PENDING else None
            if old != PostStatus.PENDING:
                question.answer_count += 1
        elif old == PostStatus.VISIBLE:
            question.answer_count = max(0, question.answer_count - 1)
            if question.accepted_answer_id == post.id:
                question.accepted_answer_id = None
    action = {PostStatus.VISIBLE: "approve" if old == PostStatus.PENDING else "unhide", PostStatus.HIDDEN: "hide",
              PostStatus.SPAM: "spam", PostStatus.DELETED: "delete", PostStatus.PENDING: "hold"}[status]
    log(actor, action, post_type, post_id, reason)
    _resolve_flags(actor, post_type, post_id)
    _index(post_type, post)
    db.session.flush()


def _resolve_flags(actor, post_type, post_id, status="actioned") -> None:
    db.session.execute(update(Flag).where(Flag.post_type == post_type, Flag.post_id == post_id, Flag.status == "open")
                       .values(status=status, resolved_by_id=actor.id, resolved_at=utcnow()))


def dismiss_flags(*, actor, post_type: str, post_id: int, reason: str = "") -> None:
    _require(actor)
    _resolve_flags(actor, post_type, post_id, "dismissed")
    log(actor, "dismiss_flags", post_type, post_id, reason)
    db.session.flush()


def set_lock(*, actor, question: Question, locked: bool, reason: str = "") -> None:
    _require(actor)
    question.locked = locked
    log(actor, "lock" if locked else "unlock", "question", question.id, reason)
    db.session.flush()


def set_pin(*, actor, question: Question, pinned: bool, reason: str = "") -> None:
    _require(actor)
    question.pinned = pinned
    log(actor, "pin" if pinned else "unpin", "question", question.id, reason)
    db.session.flush()


def move(*, actor, question: Question, category: ForumCategory, reason: str = "") -> None:
    _require(actor)
    if category.id == question.category_id:
        return
    old = db.session.get(ForumCategory, question.category_id)
    if question.is_visible:
        old.question_count = max(0, old.question_count - 1)
        category.question_count += 1
    question.category_id = category.id
    log(actor, "move", "question", question.id, reason, old=old.slug, new=category.slug)
    search_sync.schedule("question", question.id)
    db.session.flush()


def merge(*, actor, source: Question, target: Question, reason: str = "") -> None:
    """Merge a duplicate: its answers move to `target`, it stays as a redirect."""
    from portal.forum import services

    _require(actor)
    if source.id == target.id or source.merged_into_id or target.merged_into_id:
        raise ValidationError(_("Choose two different questions that were not merged already."), field="target")
    moved = list(db.session.scalars(select(Answer).where(Answer.question_id == source.id)))
    visible = sum(1 for a in moved if a.status == PostStatus.VISIBLE)
    db.session.execute(update(Answer).where(Answer.question_id == source.id).values(question_id=target.id))
    db.session.execute(update(Comment).where(Comment.question_id == source.id, Comment.answer_id.is_not(None))
                       .values(question_id=target.id))
    target.answer_count += visible
    target.last_activity_at = utcnow()
    if source.is_visible:
        services._count_visible(source, -1)
    source.merged_into_id, source.answer_count, source.accepted_answer_id = target.id, 0, None
    source.status = PostStatus.HIDDEN
    log(actor, "merge", "question", source.id, reason, into=target.id)
    search_sync.schedule("question", source.id)
    search_sync.schedule("question", target.id)
    for a in moved:
        search_sync.schedule("answer", a.id)
    db.session.flush()


def sanction(*, actor, user, kind: str, reason: str, until: datetime | None = None, hide_posts: bool = False):
    """Suspend (until a date) or ban a member; optionally hide all their posts at once."""
    _require(actor)
    if kind not in ("suspend", "ban"):
        raise ValidationError(_("Choose suspend or ban."), field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: the member is told why."), field="reason")
    if kind == "suspend" and (until is None or until <= utcnow()):
        raise ValidationError(_("A suspension needs an end date in the future."), field="until")
    if user.is_staff:
        raise PermissionDenied(_("Staff accounts cannot be sanctioned here."))
    item = Sanction(user_id=user.id, kind=kind, reason=reason[:300], until=until if kind == "suspend" else None,
                    created_by_id=actor.id)
    db.session.add(item)
    log(actor, kind, "user", user.id, reason, until=until.isoformat() if until else None, hide_posts=hide_posts)
    if hide_posts:
        for post_type, model in (("question", Question), ("answer", Answer), ("comment", Comment)):
            for post in db.session.scalars(select(model).where(model.author_id == user.id,
                                                               model.status == PostStatus.VISIBLE)):
                set_visibility(actor=actor, post_type=post_type, post_id=post.id, status=PostStatus.HIDDEN,
                               reason=f"{kind}: {reason}")
    db.session.flush()
    return item


def lift_sanction(*, actor, sanction_row: Sanction, reason: str = "") -> None:
    _require(actor)
    sanction_row.lifted_at = utcnow()
    log(actor, "lift", "user", sanction_row.user_id, reason)
    db.session.flush()


def escalate(*, actor, question: Question, reason: str = ""):
    """Turn a question into a private ticket for its asker; the thread says support handles it privately."""
    from portal.tickets import services as ticket_services
    from portal.tickets.models import Channel

    _require(actor)
    if question.ticket_id:
        raise ValidationError(_("This question was already turned into a ticket."), field="question")
    if question.author is None:
        raise ValidationError(_("The asker's account no longer exists."), field="question")
    ticket = ticket_services.open_ticket(subject=question.title, body=question.body, channel=Channel.SOCIAL,
                                         requester=question.author, actor=None, locale=question.lang)
    question.ticket_id = ticket.id
    question.locked = True
    log(actor, "escalate", "question", question.id, reason, ticket=ticket.number)
    db.session.flush()
    return ticket


def promote(*, actor, question: Question, category_slug: str | None = None):
    """Draft a help article from the accepted answer (question as title), with a link back."""
    from flask import url_for

    from portal.forum.services import question_slug
    from portal.kb import categories as kb_categories
    from portal.kb import services as kb_services
    from portal.kb.models import ArticleStatus

    if not (can(actor, "forum.moderate") or can(actor, "kb.edit")):
        raise PermissionDenied(_("Only moderators and editors can do that."))
    accepted = db.session.get(Answer, question.accepted_answer_id) if question.accepted_answer_id else None
    if accepted is None:
        raise ValidationError(_("Only a question with an accepted answer can become an article."),
                              field="question")
    categories = kb_categories.all_categories()
    category = next((c for c in categories if c.slug == category_slug), categories[0] if categories else None)
    if category is None:
        raise ValidationError(_("Create a help-center category first."), field="category")
    link = url_for("forum.question", question_id=question.id, slug=question_slug(question), _external=True)
    lang = question.lang if question.lang in ("en", "fr") else "en"
    source = f"[{question.title}]({link})"
    with force_locale(lang):  # the article is written in the question's language
        credit = _("From the community: %(link)s", link=source)
    body = f"{accepted.body}\n\n---\n\n*{credit}*"
    base = question_slug(question)[:80]
    slug, n = base, 1
    from portal.kb.models import Article

    while db.session.scalar(select(Article.id).where(Article.slug == slug, Article.lang == question.lang)):
        n += 1
        slug = f"{base}-{n}"
    article = kb_services.create_article(actor=actor, status=ArticleStatus.DRAFT, title=question.title, slug=slug,
                                         lang=lang, category=category, body=body, summary="", tags=question.tags,
                                         note=_("From the community"))
    question.article_id = article.id
    log(actor, "promote", "question", question.id, "", article=article.id)
    db.session.flush()
    return article
