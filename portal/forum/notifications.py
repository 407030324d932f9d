"""Community mail: new answers (askers and followers), accepted answers, @mentions; each with unsubscribe."""
from contextlib import nullcontext

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.mail import queue_email


def wants(email: str) -> bool:
    from portal.tickets.models import EmailPreference

    pref = db.session.get(EmailPreference, email)
    return pref is None or pref.forum_notifications


def _question_url(question, anchor=None) -> str:
    from portal.forum.services import question_slug

    return url_for("forum.question", question_id=question.id, slug=question_slug(question), _external=True,
                   _anchor=anchor)


def _send(user, template: str, subject, **context) -> None:
    """Queue one mail in the member's language; `subject` is a lazy string read in that language."""
    from portal.tickets import links

    if not user.active or not wants(user.email):
        return
    with force_locale(user.locale) if user.locale else nullcontext():
        subject = str(subject)
        queue_email(to=user.email, template=template, subject=subject, user=user,
                    unsubscribe_link=links.unsubscribe_link(user.email),
                    headers={"List-Unsubscribe": f"<{links.one_click_link(user.email)}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, **context)


def new_answer(question, post) -> None:
    """Mail the asker and the followers (not the answerer)."""
    from portal.accounts.models import User
    from portal.forum.models import Follow

    ids = set(db.session.scalars(select(Follow.user_id).where(Follow.question_id == question.id)))
    ids.discard(post.author_id)
    for user in db.session.scalars(select(User).where(User.id.in_(ids))):
        _send(user, "forum_new_answer", _l("New answer to: %(title)s", title=question.title), question=question,
              post=post, link=_question_url(question, f"a{post.id}"),
              author=post.author.display_name if post.author else current_app.config["SITE_NAME"])


def answer_accepted(question, post) -> None:
    if post.author is not None:
        _send(post.author, "forum_accepted", _l("Your answer was accepted: %(title)s", title=question.title),
              question=question, post=post, link=_question_url(question, f"a{post.id}"))


def mentions(text: str, author, question) -> None:
    """Mail each @handle mentioned (once, never the author)."""
    from portal.forum.models import ForumProfile
    from portal.forum.services import MENTION

    handles = set(MENTION.findall(text or ""))
    if not handles:
        return
    for profile in db.session.scalars(select(ForumProfile).where(ForumProfile.handle.in_(handles))):
        if profile.user_id != getattr(author, "id", None):
            _send(profile.user, "forum_mention", _l("You were mentioned in: %(title)s", title=question.title),
                  question=question, link=_question_url(question),
                  author=author.display_name if author else current_app.config["SITE_NAME"])
