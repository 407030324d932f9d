"""Forum categories, questions, answers, comments, votes, follows, flags, sanctions and the moderation log."""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import enum_column, utcnow


class PostStatus(str, enum.Enum):
    VISIBLE = "visible"
    PENDING = "pending"  # waiting for pre-moderation
    HIDDEN = "hidden"
    SPAM = "spam"
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return str(POST_STATUS_LABELS[self])


POST_STATUS_LABELS = {PostStatus.VISIBLE: _l("Visible"), PostStatus.PENDING: _l("Waiting for moderation"),
                      PostStatus.HIDDEN: _l("Hidden"), PostStatus.SPAM: _l("Spam"), PostStatus.DELETED: _l("Deleted")}
POST_TYPE_LABELS = {"question": _l("Question"), "answer": _l("Answer"), "comment": _l("Comment"), "user": _l("Member")}
SANCTION_LABELS = {"suspend": _l("Suspension"), "ban": _l("Ban")}

# "moderation action" context: the audit log names actions (French uses nouns), not post states.
MODERATION_ACTION_LABELS = {
    "approve": lazy_pgettext("moderation action", "Approved"),
    "unhide": lazy_pgettext("moderation action", "Unhidden"),
    "hide": lazy_pgettext("moderation action", "Hidden"),
    "spam": lazy_pgettext("moderation action", "Marked as spam"),
    "delete": lazy_pgettext("moderation action", "Deleted"),
    "hold": lazy_pgettext("moderation action", "Held for moderation"),
    "dismiss_flags": lazy_pgettext("moderation action", "Reports dismissed"),
    "lock": lazy_pgettext("moderation action", "Locked"),
    "unlock": lazy_pgettext("moderation action", "Unlocked"),
    "pin": lazy_pgettext("moderation action", "Pinned"),
    "unpin": lazy_pgettext("moderation action", "Unpinned"),
    "move": lazy_pgettext("moderation action", "Moved"),
    "merge": lazy_pgettext("moderation action", "Merged"),
    "suspend": lazy_pgettext("moderation action", "Suspended"),
    "ban": lazy_pgettext("moderation action", "Banned"),
    "lift": lazy_pgettext("moderation action", "Sanction lifted"),
    "escalate": lazy_pgettext("moderation action", "Turned into a ticket"),
    "promote": lazy_pgettext("moderation action", "Drafted as an article"),
    "edit": lazy_pgettext("moderation action", "Edited"),
}


def post_type_label(post_type: str) -> str:
    """The name of a post type ("question", "answer", "comment" or "user") in the reader's language."""
    return str(POST_TYPE_LABELS.get(post_type, post_type))


class ForumCategory(db.Model):
    __tablename__ = "forum_category"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer, default=0)


class ForumProfile(db.Model):
    """Per-user forum figures kept up to date by the services (no recount on every page)."""
    __tablename__ = "forum_profile"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    handle: Mapped[str] = mapped_column(String(60), unique=True)  # for @mentions
    reputation: Mapped[int] = mapped_column(Integer, default=0)
    accepted_count: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer, default=0)
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    approved_posts: Mapped[int] = mapped_column(Integer, default=0)
    user: Mapped[User] = relationship()


class Question(db.Model):
    __tablename__ = "forum_question"
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_category.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[PostStatus] = mapped_column(enum_column(PostStatus), default=PostStatus.VISIBLE)
    locked: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    accepted_answer_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer, default=0)
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("forum_question.id"))
    ticket_id: Mapped[int | None] = mapped_column(Integer)  # escalated to a private ticket
    article_id: Mapped[int | None] = mapped_column(Integer)  # promoted into a help article
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[ForumCategory] = relationship()
    author: Mapped[User | None] = relationship()

    # One index per list order, each holding every column the list filters on (merged_into_id IS NULL
    # too), so a page's ids come from the index alone: page 50 or the last page skips index entries only.
    # The author's one leads with author_id, or SQLite would walk every visible question for a profile.
    __table_args__ = (
        Index("ix_question_category_activity", "category_id", "status", "merged_into_id", "pinned",
              "last_activity_at"),
        Index("ix_question_category_created", "category_id", "status", "merged_into_id", "created_at"),
        Index("ix_question_category_score", "category_id", "status", "merged_into_id", "score", "created_at"),
        Index("ix_question_category_unanswered", "category_id", "status", "merged_into_id", "answer_count",
              "created_at"),
        Index("ix_question_activity", "status", "merged_into_id", "pinned", "last_activity_at"),
        Index("ix_question_author", "author_id", "status", "merged_into_id", "created_at"),
    )

    @property
    def is_visible(self) -> bool:
        return self.status == PostStatus.VISIBLE


class QuestionTag(db.Model):
    __tablename__ = "forum_question_tag"
    question_id: Mapped[int] = mapped_column(ForeignKey("forum_question.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    __table_args__ = (Index("ix_forum_tag", "tag", "question_id"),)


class Answer(db.Model):
    __tablename__ = "forum_answer"
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("forum_question.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(enum_column(PostStatus), default=PostStatus.VISIBLE)
    official: Mapped[bool] = mapped_column(default=False)
    score: Mapped[int] = mapped_column(Integer, default=0)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship()
    question: Mapped[Question] = relationship()
    __table_args__ = (Index("ix_answer_question", "question_id", "status", "score"),
                      Index("ix_answer_author", "author_id", "created_at"))


class Comment(db.Model):
    __tablename__ = "forum_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("forum_question.id", ondelete="CASCADE"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("forum_answer.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(String(1000))
    status: Mapped[PostStatus] = mapped_column(enum_column(PostStatus), default=PostStatus.VISIBLE)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()
    __table_args__ = (Index("ix_comment_question", "question_id", "created_at"),
                      Index("ix_comment_author", "author_id", "created_at"))


class Vote(db.Model):
    __tablename__ = "forum_vote"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    post_type: Mapped[str] = mapped_column(String(10), primary_key=True)  # question | answer
    post_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_vote_user_created", "user_id", "created_at"),)


class PostRevision(db.Model):
    __tablename__ = "forum_revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_type: Mapped[str] = mapped_column(String(10))
    post_id: Mapped[int] = mapped_column(Integer)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_revision_post", "post_type", "post_id"),)


class Follow(db.Model):
    __tablename__ = "forum_follow"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("forum_question.id", ondelete="CASCADE"), primary_key=True)
    __table_args__ = (Index("ix_follow_question", "question_id"),)


class Flag(db.Model):
    __tablename__ = "forum_flag"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_type: Mapped[str] = mapped_column(String(10))
    post_id: Mapped[int] = mapped_column(Integer)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | dismissed | actioned
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    __table_args__ = (Index("ix_flag_status", "status", "created_at"),
                      UniqueConstraint("post_type", "post_id", "reporter_id", name="uq_flag_once"))


class Sanction(db.Model):
    """A suspension (with an end date) or a ban (none)."""
    __tablename__ = "forum_sanction"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # suspend | ban
    reason: Mapped[str] = mapped_column(String(300))
    until: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]

    @property
    def label(self) -> str:
        return str(SANCTION_LABELS.get(self.kind, self.kind))


class ModerationLog(db.Model):
    __tablename__ = "forum_moderation_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    target_type: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
    __table_args__ = (Index("ix_modlog_created", "created_at"),)

    @property
    def label(self) -> str:
        return str(MODERATION_ACTION_LABELS.get(self.action, self.action.replace("_", " ")))

    @property
    def target_label(self) -> str:
        return post_type_label(self.target_type)
