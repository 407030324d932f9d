"""Who may post and vote right now: verified account, sanctions, rate limits, link limit, pre-moderation."""
import re
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from portal.errors import PermissionDenied, RateLimited, ValidationError
from portal.extensions import db
from portal.models_base import utcnow
from portal.forum.models import Answer, Comment, ForumProfile, Question, Sanction, Vote

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def active_sanction(user) -> Sanction | None:
    """The ban or running suspension of `user`, if any."""
    now = utcnow()
    return db.session.scalar(select(Sanction).where(
        Sanction.user_id == user.id, Sanction.lifted_at.is_(None),
        or_(Sanction.until.is_(None), Sanction.until > now)).order_by(Sanction.id.desc()).limit(1))


def check_can_post(user, *, ip: str | None, text: str = "") -> None:
    """Raise with a clear message unless `user` may post now."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in to take part in the community."))
    if not user.email_verified:
        raise PermissionDenied(_("Confirm your email address before posting: we sent you a link."))
    _check_sanction(user)
    profile = db.session.get(ForumProfile, user.id)
    if not user.is_staff and (profile is None or profile.approved_posts < 1):
        max_links = current_app.config["FORUM_NEW_USER_MAX_LINKS"]
        if len(LINK.findall(text or "")) > max_links:
            raise ValidationError(ngettext("New members can include at most %(num)d link in a post.",
                                           "New members can include at most %(num)d links in a post.", max_links),
                                  field="body")
    if user.is_staff:
        return
    since = utcnow() - timedelta(hours=1)
    limit = current_app.config["FORUM_POSTS_PER_HOUR"]
    mine = sum(db.session.scalar(select(func.count()).where(model.author_id == user.id, model.created_at >= since))
               for model in (Question, Answer, Comment))
    from_ip = sum(db.session.scalar(select(func.count()).where(model.ip == ip, model.created_at >= since))
                  for model in (Question, Answer, Comment)) if ip else 0
    if mine >= limit or from_ip >= limit * 3:
        raise RateLimited(ngettext("You can post %(num)d time per hour. Please wait a little before posting again.",
                                   "You can post %(num)d times per hour. Please wait a little before posting again.",
                                   limit))


def check_can_vote(user, *, ip: str | None) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in to vote."))
    if not user.email_verified:
        raise PermissionDenied(_("Confirm your email address before voting."))
    _check_sanction(user)
    since = utcnow() - timedelta(hours=1)
    limit = current_app.config["FORUM_VOTES_PER_HOUR"]
    if db.session.scalar(select(func.count()).where(Vote.user_id == user.id, Vote.created_at >= since)) >= limit:
        raise RateLimited(_("You have voted a lot in the last hour. Please wait a little."))
    if ip and db.session.scalar(select(func.count()).where(Vote.ip == ip, Vote.created_at >= since)) >= limit * 3:
        raise RateLimited(_("Too many votes from your connection. Please wait a little."))


def _check_sanction(user) -> None:
    sanction = active_sanction(user)
    if sanction is None:
        return
    if sanction.kind == "ban":
        raise PermissionDenied(_("Your account is banned from the community: %(reason)s", reason=sanction.reason))
    raise PermissionDenied(_("Your account is suspended until %(until)s UTC: %(reason)s",
                             until=sanction.until.strftime("%Y-%m-%d %H:%M"), reason=sanction.reason))


def needs_premoderation(user) -> bool:
    """First posts of new members wait for a moderator when FORUM_PREMODERATE_FIRST_POST is on."""
    if user.is_staff or not current_app.config["FORUM_PREMODERATE_FIRST_POST"]:
        return False
    profile = db.session.get(ForumProfile, user.id)
    return profile is None or profile.approved_posts < 1
