"""Self-service figures: help-center searches (and those with no result), article views and helpful votes,
contact-form deflection, and community questions answered, as daily counters (report_counter).

Searches, votes and deflection are counted again from their own rows for any span of days; article views
are read as the difference of each article's running total since the last refresh (the only record of
views there is), so they are dated to within the refresh interval and start with the first refresh.
"""
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import and_, func, literal, select, union_all

from portal.extensions import db
from portal.jobs import services as jobs
from portal.reports.filters import day_start, local_day, month_segments, month_start, next_month, today
from portal.reports.models import ReportArticleSeen, ReportCounter

METRICS = ("search", "search_empty", "search_total", "empty_total", "search_click", "deflect_open", "deflected",
           "vote_yes", "vote_no",
           "forum_question", "forum_accepted", "forum_community")
RECOUNTED = ("search", "search_empty", "search_total", "empty_total", "search_click", "deflect_open", "deflected",
             "vote_yes", "vote_no")
# Per query ("search", "search_empty") for the top lists; per language only ("…_total", key "") for the sums.
TOTAL_OF = {"search": "search_total", "search_empty": "empty_total"}
COMMUNITY = ("forum_question", "forum_accepted", "forum_community")
# Counters with one row per query or article and day also get one per month ("search@month", day = the 1st).
MONTHLY_METRICS = ("search", "search_empty", "article_view", "vote_yes", "vote_no")
MONTHLY = "@month"


def normalise_query(text: str) -> str:
    return " ".join((text or "").lower().split())[:200]


def _replace(metrics, start: date, end: date, counts: Counter) -> None:
    """Put `counts` {(metric, day, key, lang): n} in place of these metrics' rows of [start, end]."""
    table = ReportCounter.__table__
    db.session.execute(table.delete().where(table.c.metric.in_(metrics), table.c.day.between(start, end)))
    rows = [{"metric": m, "day": d, "key": k, "lang": lang, "value": n}
            for (m, d, k, lang), n in counts.items() if n]
    for first in range(0, len(rows), 5000):
        db.session.execute(table.insert(), rows[first:first + 5000])


def _count_searches(start, end, counts):
    from portal.kb.models import SearchLog

    rows = db.session.execute(select(SearchLog.query, SearchLog.lang, SearchLog.result_count,
                                     SearchLog.clicked_article_id, SearchLog.created_at)
                              .where(SearchLog.created_at >= day_start(start),
                                     SearchLog.created_at < day_start(end + timedelta(days=1))))
    for query, lang, results, clicked, created in rows:
        day, key, lang = local_day(created), normalise_query(query), (lang or "")[:8]
        counts[("search", day, key, lang)] += 1
        counts[("search_total", day, "", lang)] += 1
        if not results:
            counts[("search_empty", day, key, lang)] += 1
            counts[("empty_total", day, "", lang)] += 1
        if clicked:
            counts[("search_click", day, "", lang)] += 1


def _count_votes(start, end, counts):
    from portal.kb.models import Article, ArticleVote

    rows = db.session.execute(select(ArticleVote.article_id, ArticleVote.helpful, ArticleVote.created_at, Article.lang)
                              .join(Article, Article.id == ArticleVote.article_id)
                              .where(ArticleVote.created_at >= day_start(start),
                                     ArticleVote.created_at < day_start(end + timedelta(days=1))))
    for article_id, helpful, created, lang in rows:
        counts[("vote_yes" if helpful else "vote_no", local_day(created), str(article_id), lang)] += 1


def _count_deflection(start, end, counts):
    """Visitors who opened a suggested article while writing a request, dated by their first opening, and
    those of them who never sent it (deflected)."""
    from portal.tickets.models import Deflection

    rows = db.session.execute(select(Deflection.visitor, func.min(Deflection.created_at), func.max(Deflection.lang),
                                     func.max(Deflection.submitted.cast(db.Integer)))
                              .group_by(Deflection.visitor)
                              .having(and_(func.min(Deflection.created_at) >= day_start(start),
                                           func.min(Deflection.created_at) < day_start(end + timedelta(days=1)))))
    for _visitor, first, lang, submitted in rows:
        day = local_day(first)
        counts[("deflect_open", day, "", lang or "")] += 1
        if not submitted:
            counts[("deflected", day, "", lang or "")] += 1


def refresh(start: date, end: date) -> None:
    """Count searches, votes and deflection of [start, end] again, and date new article views today."""
    counts = Counter()
    _count_searches(start, end, counts)
    _count_votes(start, end, counts)
    _count_deflection(start, end, counts)
    _replace(RECOUNTED, start, end, counts)
    record_views()
    month = month_start(start)
    while month <= max(end, today()):
        write_month(month)
        month = next_month(month)


def refresh_community(start: date, end: date) -> None:
    """Community questions asked in [start, end], those with an accepted answer, and those whose accepted
    answer came from a member rather than staff (dated by the question)."""
    from portal.accounts.models import STAFF_ROLES, User
    from portal.forum.models import Answer, PostStatus, Question

    rows = db.session.execute(
        select(Question.created_at, Question.lang, Question.accepted_answer_id, User.role)
        .outerjoin(Answer, Answer.id == Question.accepted_answer_id).outerjoin(User, User.id == Answer.author_id)
        .where(Question.created_at >= day_start(start), Question.created_at < day_start(end + timedelta(days=1)),
               Question.status == PostStatus.VISIBLE, Question.merged_into_id.is_(None)))
    counts = Counter()
    for created, lang, accepted, role in rows:
        day = local_day(created)
        counts[("forum_question", day, "", lang)] += 1
        if accepted:
            counts[("forum_accepted", day, "", lang)] += 1
            if role is not None and role not in STAFF_ROLES:
                counts[("forum_community", day, "", lang)] += 1
    _replace(COMMUNITY, start, end, counts)


def record_views() -> int:
    """Add each article's views since the last look to today's counter; returns how many views."""
    from portal.kb.models import Article

    seen = dict(db.session.execute(select(ReportArticleSeen.article_id, ReportArticleSeen.views)).all())
    day, added = today(), 0
    for article_id, lang, views in db.session.execute(select(Article.id, Article.lang, Article.view_count)):
        before = seen.get(article_id)
        if before is None:
            db.session.add(ReportArticleSeen(article_id=article_id, views=views or 0))
            continue  # views before the first look have no date
        delta = (views or 0) - before
        if delta <= 0:
            continue
        db.session.execute(ReportArticleSeen.__table__.update().where(ReportArticleSeen.article_id == article_id)
                           .values(views=views))
        row = db.session.get(ReportCounter, ("article_view", day, str(article_id), lang))
        if row is None:
            db.session.add(ReportCounter(metric="article_view", day=day, key=str(article_id), lang=lang, value=delta))
        else:
            row.value += delta
        added += delta
    db.session.flush()
    return added


@jobs.task("reports.self_service", max_attempts=3)
def refresh_recent() -> None:
    """Today's and yesterday's self-service counters (the worker, every five minutes)."""
    refresh(today() - timedelta(days=1), today())


def write_month(month: date) -> None:
    """The month's rows of the per-key counters, summed from its daily rows."""
    C = ReportCounter.__table__.c
    last = next_month(month) - timedelta(days=1)
    db.session.execute(ReportCounter.__table__.delete().where(
        C.metric.in_([m + MONTHLY for m in MONTHLY_METRICS]), C.day == month))
    summed = (select((C.metric + MONTHLY).label("metric"), literal(month).label("day"), C.key, C.lang,
                     func.sum(C.value)).where(C.metric.in_(MONTHLY_METRICS), C.day.between(month, last))
              .group_by(C.metric, C.key, C.lang))
    db.session.execute(ReportCounter.__table__.insert().from_select(["metric", "day", "key", "lang", "value"],
                                                                    summed))


# --- reading -------------------------------------------------------------------------------------

def _rows(metrics, start: date, end: date, *, monthly: bool = True):
    """The counter rows of `metrics` over [start, end] as one subquery (metric, day, key, lang, value):
    whole months from the monthly rows of the metrics that have them, the rest from the daily rows."""
    C = ReportCounter.__table__.c
    parts = []
    for kind, first, last in month_segments(start, end) if monthly else [("day", start, end)]:
        names = [m for m in metrics if kind == "day" or m not in MONTHLY_METRICS]
        if names:
            parts.append(select(C.metric, C.day, C.key, C.lang, C.value).where(
                C.metric.in_(names), C.day.between(first, last) if kind == "day" else
                C.day.between(first, next_month(last) - timedelta(days=1))))
        names = [m for m in metrics if kind == "month" and m in MONTHLY_METRICS]
        if names:
            parts.append(select(func.replace(C.metric, MONTHLY, "").label("metric"), C.day, C.key, C.lang, C.value)
                         .where(C.metric.in_([m + MONTHLY for m in names]), C.day.between(first, last)))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()


ALL = (*METRICS, "article_view")
SUMMED = tuple(m for m in ALL if m not in TOTAL_OF)  # the per-query rows are only read for the top lists


def _named(found: dict) -> dict:
    """Totals under the metric names readers use ("search", not "search_total")."""
    out = {metric: int(found.get(metric) or 0) for metric in SUMMED}
    out.update({metric: int(found.get(total) or 0) for metric, total in TOTAL_OF.items()})
    return out


def totals(start: date, end: date) -> dict:
    """{metric: total} over [start, end] (article views as "article_view")."""
    rows = _rows(SUMMED, start, end)
    return _named(dict(db.session.execute(select(rows.c.metric, func.sum(rows.c.value))
                                          .group_by(rows.c.metric)).all()))


def series(start: date, end: date, unit: str) -> dict:
    """{first day of each day, week or month: {metric: n}} of the counters charted."""
    from portal.reports.aggregate import period_start

    rows = _rows(("search_total", "empty_total", "article_view", "deflected"), start, end, monthly=unit == "month")
    period = period_start(rows.c.day, unit)
    out, names = {}, {total: metric for metric, total in TOTAL_OF.items()}
    for metric, first, value in db.session.execute(select(rows.c.metric, period, func.sum(rows.c.value))
                                                   .group_by(rows.c.metric, period)):
        first = first if isinstance(first, date) else date.fromisoformat(str(first)[:10])
        out.setdefault(first, {})[names.get(metric, metric)] = int(value)
    return out


def daily(start: date, end: date) -> dict:
    """{day: {metric: n}} (the CSV export, a month at a time)."""
    rows = _rows(SUMMED, start, end, monthly=False)
    out, names = {}, {total: metric for metric, total in TOTAL_OF.items()}
    for metric, day, value in db.session.execute(select(rows.c.metric, rows.c.day, func.sum(rows.c.value))
                                                 .group_by(rows.c.metric, rows.c.day)):
        out.setdefault(day, {})[names.get(metric, metric)] = int(value)
    return out


def top(metric: str, start: date, end: date, limit: int = 10) -> list[dict]:
    """The most frequent keys (queries, article ids) of a metric, with their language."""
    rows = _rows((metric,), start, end)
    total = func.sum(rows.c.value)
    found = db.session.execute(select(rows.c.key, rows.c.lang, total.label("n")).group_by(rows.c.key, rows.c.lang)
                               .order_by(total.desc(), rows.c.key).limit(limit))
    return [{"key": key, "lang": lang, "count": int(n)} for key, lang, n in found]


def by_language(metric: str, start: date, end: date) -> dict:
    """{language: n} of "search" or "search_empty" (read from the per-language totals)."""
    rows = _rows((TOTAL_OF.get(metric, metric),), start, end)
    found = db.session.execute(select(rows.c.lang, func.sum(rows.c.value)).group_by(rows.c.lang)
                               .order_by(rows.c.lang))
    return {lang: int(n) for lang, n in found}


def votes_for(article_ids, start: date, end: date) -> dict:
    """{article id: {"helpful": n, "unhelpful": n}} over [start, end]."""
    if not article_ids:
        return {}
    rows = _rows(("vote_yes", "vote_no"), start, end)
    out = {}
    for metric, key, value in db.session.execute(
            select(rows.c.metric, rows.c.key, func.sum(rows.c.value))
            .where(rows.c.key.in_([str(i) for i in article_ids])).group_by(rows.c.metric, rows.c.key)):
        row = out.setdefault(int(key), {"helpful": 0, "unhelpful": 0})
        row["helpful" if metric == "vote_yes" else "unhelpful"] += int(value)
    return out
