"""Self-service counters (searches, views, votes, deflection, WISMO, community), the weekly mail, the CLI."""
import json
from datetime import date

from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.kb import services as kb
from portal.mail import OutgoingMail
from portal.reports import rollups, self_service, service, weekly
from portal.reports.filters import for_days
from portal.tickets import contact
from portal.tickets import services as tickets
from tests.factories import make_agent, make_answer, make_article, make_question, make_ticket, make_user
from tests.reports.helpers import move, paris

DAY = for_days(date(2026, 11, 10), date(2026, 11, 10))


def test_self_service_figures_of_a_day(app, clock):
    move(clock, paris(2026, 11, 10, 10, 0))
    article = make_article(title="Where is my parcel", lang="en")
    self_service.record_views()  # the first look: views before it have no day
    for query, lang, results in (("Refund", "en", 2), ("refund ", "en", 3), ("colis perdu", "fr", 0),
                                 ("gift wrap", "en", 0), ("Colis perdu", "fr", 0)):
        kb.log_search(query=query, lang=lang, result_count=results)
    for _ in range(3):
        kb.record_view(article)
    kb.vote(article, visitor="v1", helpful=True)
    kb.vote(article, visitor="v2", helpful=False)
    contact.record_opened(visitor="a", source="contact", query="refund", article_slug="refunds", lang="en")
    contact.record_opened(visitor="b", source="contact", query="late", article_slug="late", lang="fr")
    contact.mark_submitted("b")
    asker, member = make_user(), make_user()
    question = make_question(author=asker, title="How long do refunds take?")
    answer = make_answer(question, author=member)
    from portal.forum import services as forum

    forum.accept(user=asker, question=question, post=answer)
    make_question(author=asker, title="Do you ship to Belgium?")
    wismo = make_ticket()
    tickets.set_tags(wismo, ["wismo-answered"], actor=make_agent())
    db.session.commit()
    rollups.refresh()
    self_service.refresh(date(2026, 11, 10), date(2026, 11, 10))
    self_service.refresh_community(date(2026, 11, 10), date(2026, 11, 10))
    db.session.commit()
    report = service.figures("self-service", DAY)
    got = {key: figure["value"] for key, figure in report["summary"].items()}
    assert (got["searches"], got["searches_empty"], got["empty_rate"]) == (5, 3, 60.0)
    assert (got["article_views"], got["votes_helpful"], got["votes_unhelpful"], got["helpful_rate"]) == (3, 1, 1, 50.0)
    assert (got["suggestions_opened"], got["deflected"], got["deflection_rate"]) == (2, 1, 50.0)
    assert (got["forum_questions"], got["forum_accepted"], got["forum_community"]) == (2, 1, 1)
    assert got["wismo_answered"] == 1
    assert report["top_queries"][:2] == [{"key": "colis perdu", "lang": "fr", "count": 2},
                                         {"key": "refund", "lang": "en", "count": 2}]
    assert report["top_empty_queries"][0] == {"key": "colis perdu", "lang": "fr", "count": 2}
    assert report["languages"] == {"searches": {"en": 3, "fr": 2}, "searches_empty": {"en": 1, "fr": 2}}
    assert report["top_articles"] == [{"article_id": article.id, "title": "Where is my parcel", "lang": "en",
                                       "views": 3, "helpful": 1, "unhelpful": 1}]


def test_weekly_mail_in_each_recipients_language(app, clock):
    move(clock, paris(2026, 11, 16, 4, 0))  # a Monday night
    english = make_agent(role=Role.MANAGER, name="Emma")
    french = make_agent(role=Role.MANAGER, name="Fanny")
    french.locale = "fr"
    weekly.save_recipients([english.id, french.id])
    db.session.commit()
    assert weekly.send_due() == 2
    assert weekly.send_due() == 0  # once per week
    db.session.commit()
    mails = {m.to: m for m in db.session.scalars(select(OutgoingMail).where(OutgoingMail.to.in_(
        (english.email, french.email))))}
    assert mails[english.email].subject == "Weekly report: Nov 9, 2026 to Nov 15, 2026"
    assert "Tickets created: 0" in mails[english.email].text and mails[english.email].html
    assert mails[french.email].subject == "Rapport hebdomadaire : du 9 nov. 2026 au 15 nov. 2026"
    assert "Tickets créés : 0" in mails[french.email].text


def test_cli_rebuild_and_show(app, runner, clock):
    move(clock, paris(2026, 11, 10, 10, 0))
    make_ticket()
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt 1 tickets" in result.output
    assert runner.invoke(args=["reports", "rebuild", "--since", "2026-11-01"]).exit_code == 0
    assert runner.invoke(args=["reports", "rebuild", "--since", "soon"]).exit_code == 1
    shown = runner.invoke(args=["reports", "show", "volume", "--json", "--period", "custom", "--from", "2026-11-10",
                                "--to", "2026-11-10"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["summary"]["created"]["value"] == 1 and data["report"] == "volume"
    text = runner.invoke(args=["reports", "show", "dashboard", "--period", "7d"])
    assert text.exit_code == 0 and "created:" in text.output
    csv = runner.invoke(args=["reports", "show", "volume", "--csv", "--period", "custom", "--from", "2026-11-10",
                              "--to", "2026-11-10"])
    assert csv.output.splitlines() == ["date,created,solved,backlog", "2026-11-10,1,0,1"]
    assert runner.invoke(args=["reports", "show", "nope"]).exit_code == 2
