"""The weekly report mail: last week's overview (Monday to Sunday, local days) against the week before,
to the managers a manager chose, each in their own language. Sent once per week by the worker's nightly
run (the first one of the week), through the mail module like every other mail."""
from contextlib import nullcontext
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.errors import ValidationError
from portal.extensions import db
from portal.jobs import services as jobs
from portal.mail import queue_email
from portal.reports import rollups, service
from portal.reports.filters import for_days, today
from portal.reports.models import ReportRecipient
from portal.reports.pages import METRIC_LABELS

HEADLINE = ("created", "solved", "backlog", "frt_median", "resolution_median", "one_touch_rate", "reopen_rate",
            "sla_first_rate", "sla_breached_tickets", "csat_score")
SELF_SERVICE = ("searches", "searches_empty", "article_views", "deflected", "wismo_answered", "forum_accepted")


def candidates() -> list[User]:
    """Who may receive it: active managers."""
    return list(db.session.scalars(select(User).where(User.role == Role.MANAGER, User.active.is_(True))
                                   .order_by(User.name, User.email)))


def recipients() -> list[User]:
    return list(db.session.scalars(select(User).join(ReportRecipient, ReportRecipient.user_id == User.id)
                                   .where(User.role == Role.MANAGER, User.active.is_(True))
                                   .order_by(User.name, User.email)))


def save_recipients(user_ids) -> list[User]:
    """Make these managers (and only them) the recipients; ValidationError(field="recipients") otherwise."""
    allowed = {user.id: user for user in candidates()}
    chosen = set()
    for value in user_ids or ():
        number = int(value) if str(value).isdigit() and len(str(value)) < 19 else None
        if number not in allowed:
            raise ValidationError(_("Choose managers from the list."), field="recipients")
        chosen.add(number)
    db.session.execute(ReportRecipient.__table__.delete().where(ReportRecipient.user_id.not_in(chosen)))
    have = set(db.session.scalars(select(ReportRecipient.user_id)))
    for user_id in sorted(chosen - have):
        db.session.add(ReportRecipient(user_id=user_id))
    db.session.flush()
    return [allowed[i] for i in sorted(chosen)]


def last_week(day=None):
    """(Monday, Sunday) of the week before the one holding `day` (today by default)."""
    day = day or today()
    monday = day - timedelta(days=day.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def send(start, end) -> int:
    """Mail the report of [start, end] to every recipient now; returns how many mails were queued."""
    filters = for_days(start, end)
    overview = service.figures("dashboard", filters)
    helped = service.figures("self-service", filters)
    link = url_for("reports.show", name="dashboard", period="custom", _external=True,
                   **{"from": start.isoformat(), "to": end.isoformat()})
    sent = 0
    for user in recipients():
        locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(locale) if locale else nullcontext():
            subject = _("Weekly report: %(start)s to %(end)s", start=format_date(start, "medium"),
                        end=format_date(end, "medium"))
            queue_email(to=user.email, template="report_weekly", subject=subject, heading=subject, user=user,
                        overview=overview, helped=helped, headline=HEADLINE, self_service=SELF_SERVICE, link=link,
                        labels=METRIC_LABELS,
                        headers={"Auto-Submitted": "auto-generated"})
        sent += 1
    return sent


@jobs.task("reports.weekly", max_attempts=3)
def send_due(day=None) -> int:
    """Send last week's report unless it went already (claimed atomically: once per week)."""
    start, end = last_week(day)
    if not recipients() or not rollups.claim_state("weekly_sent", start.isoformat()):
        return 0
    return send(start, end)
