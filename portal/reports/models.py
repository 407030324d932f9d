"""Reports: one fact row per ticket, daily rollups per dimension, self-service counters, the weekly mail.

Nothing here is the source of truth: `portal reports rebuild` computes every row again from the tickets,
messages, surveys, searches and votes (article views excepted, see ReportArticleSeen).
"""
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models_base import utcnow


# What the "_by_channel" indexes hold after (channel, group_id): the day, then the columns the sums read.
CREATED_COLUMNS = ("created_day", "store_id", "assignee_id", "topic", "sla_first", "sla_resolution",
                   "sla_next_breached", "wismo", "wismo_replied")
SOLVED_COLUMNS = ("solved_day", "created_day", "store_id", "assignee_id", "topic", "replies", "reopens",
                  "resolution_bucket", "resolution_seconds")  # the creation day second: the backlog's range
FIRST_REPLY_COLUMNS = ("first_reply_day", "store_id", "first_replier_id", "topic", "frt_bucket", "frt_seconds")
CSAT_COLUMNS = ("csat_day", "store_id", "csat_agent_id", "topic", "csat_rating")
REPLY_COLUMNS = ("day", "store_id", "agent_id", "topic", "replies")


class ReportTicket(db.Model):
    """A ticket as the reports count it: its dimensions, its days and its measures (times in business
    seconds of its calendar). Merged-away tickets have none."""

    __tablename__ = "report_ticket"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    created_at: Mapped[datetime]
    created_day: Mapped[date]
    solved_day: Mapped[date | None]  # solved or closed (the latest solve)
    first_reply_day: Mapped[date | None]
    csat_day: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(12))
    store_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12))
    group_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str | None] = mapped_column(String(40))
    tags: Mapped[str] = mapped_column(Text, default="")  # comma-joined (tags never hold a comma)
    first_replier_id: Mapped[int | None] = mapped_column(Integer)
    frt_seconds: Mapped[int | None] = mapped_column(Integer)
    frt_bucket: Mapped[int | None] = mapped_column(Integer)  # its histogram bucket (portal/reports/histogram.py)
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution_bucket: Mapped[int | None] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer, default=0)  # public replies by people (not automation)
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    sla_first: Mapped[str | None] = mapped_column(String(8))  # met | breached | running
    sla_resolution: Mapped[str | None] = mapped_column(String(8))
    sla_next_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    csat_rating: Mapped[str | None] = mapped_column(String(8))
    csat_agent_id: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[bool] = mapped_column(Boolean, default=False)
    wismo: Mapped[str | None] = mapped_column(String(8))  # answered | routed
    wismo_replied: Mapped[bool] = mapped_column(Boolean, default=False)

    # One covering index per kind of day: a period's figures under any filters are read from the index alone
    # (the tag filter joins ticket_tag on the ticket id every index holds). The "_by_channel" twins lead with
    # channel and group, so a page filtered on both reads only their rows of the period, not every ticket's.
    __table_args__ = (
        Index("ix_report_ticket_created", "created_day", "channel", "group_id", "store_id", "assignee_id", "topic",
              "sla_first", "sla_resolution", "sla_next_breached", "wismo", "wismo_replied"),
        Index("ix_report_ticket_solved", "solved_day", "channel", "group_id", "store_id", "assignee_id", "topic",
              "replies", "reopens", "resolution_bucket", "resolution_seconds", "created_day"),
        Index("ix_report_ticket_first_reply", "first_reply_day", "channel", "group_id", "store_id",
              "first_replier_id", "topic", "frt_bucket", "frt_seconds"),
        Index("ix_report_ticket_csat", "csat_day", "channel", "group_id", "store_id", "csat_agent_id", "topic",
              "csat_rating"),
        *(Index(f"ix_report_ticket_{name}_by_channel", "channel", "group_id", *columns) for name, columns in (
            ("created", CREATED_COLUMNS), ("solved", SOLVED_COLUMNS), ("first_reply", FIRST_REPLY_COLUMNS),
            ("csat", CSAT_COLUMNS))),
    )


class ReportReply(db.Model):
    """Public replies one person sent on one ticket on one day (agent activity), with the ticket's dimensions."""

    __tablename__ = "report_reply"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("report_ticket.ticket_id", ondelete="CASCADE"),
                                           primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    # The ticket's dimensions again, so a period's replies under any filters come from one covering index.
    store_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12))
    group_id: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_report_reply_day", "day", "channel", "group_id", "store_id", "agent_id", "topic",
                            "replies"),
                      Index("ix_report_reply_by_channel", "channel", "group_id", *REPLY_COLUMNS))


class ReportDay(db.Model):
    """One day's counts for one slice: grain "all" (key ""), or store/channel/group/agent/topic/tag and
    its value ("-" for none), or a filter:breakdown pair (portal/reports/writing.py). Durations are in
    report_histogram."""

    __tablename__ = "report_day"
    grain: Mapped[str] = mapped_column(String(16), primary_key=True)  # also a pair: "store:channel"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # and its key: "2\x1femail"
    day: Mapped[date] = mapped_column(primary_key=True)
    created: Mapped[int] = mapped_column(Integer, default=0)
    solved: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    one_touch: Mapped[int] = mapped_column(Integer, default=0)
    solved_replies: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    sla_first_met: Mapped[int] = mapped_column(Integer, default=0)
    sla_first_breached: Mapped[int] = mapped_column(Integer, default=0)
    sla_resolution_met: Mapped[int] = mapped_column(Integer, default=0)
    sla_resolution_breached: Mapped[int] = mapped_column(Integer, default=0)
    sla_next_breached: Mapped[int] = mapped_column(Integer, default=0)
    sla_breached: Mapped[int] = mapped_column(Integer, default=0)
    csat_good: Mapped[int] = mapped_column(Integer, default=0)
    csat_okay: Mapped[int] = mapped_column(Integer, default=0)
    csat_bad: Mapped[int] = mapped_column(Integer, default=0)
    wismo_answered: Mapped[int] = mapped_column(Integer, default=0)
    wismo_replied: Mapped[int] = mapped_column(Integer, default=0)
    wismo_routed: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_report_day_day", "day"),)


class ReportHistogram(db.Model):
    """One bucket of one day's durations for one slice: how many, the shortest and the longest (seconds).
    Metric "frt" (first response) or "resolution"; key order so a period of one slice, or of every agent,
    is one range of the primary key."""

    __tablename__ = "report_histogram"
    grain: Mapped[str] = mapped_column(String(8), primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer, default=0)
    low: Mapped[int] = mapped_column(Integer, default=0)
    high: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_report_histogram_day", "day"),)


class ReportCounter(db.Model):
    """A self-service count for one day: searches (key: the query), searches with no result, article
    views and votes (key: article id), suggestions opened and deflected, community questions answered."""

    __tablename__ = "report_counter"
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class ReportArticleSeen(db.Model):
    """An article's view counter as last read: the next refresh adds the difference to that day's views
    (articles keep a running total only, so views before the first refresh have no day)."""

    __tablename__ = "report_article_seen"
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    views: Mapped[int] = mapped_column(Integer, default=0)


class ReportPending(db.Model):
    """A ticket changed since the last refresh (written by the ticket_changed hook, in its transaction)."""

    __tablename__ = "report_pending"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)


class ReportState(db.Model):
    """Small bookkeeping values: when due SLA times were last checked, which week's mail went out."""

    __tablename__ = "report_state"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportRecipient(db.Model):
    """A manager who gets the weekly report by mail."""

    __tablename__ = "report_recipient"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
