"""Satisfaction surveys on the web: the mailed link's page (GET changes nothing, POST records), the
portal choice, the staff ticket's result, the agents' figures and the manager's settings."""
import re
from html import unescape

from sqlalchemy import select

from portal.accounts.models import Role
from portal.automation import csat
from portal.automation.models import CsatSurvey
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import Status
from tests.factories import make_agent, make_ticket, make_user


def solved(agent=None, **ticket_values):
    agent = agent or make_agent()
    ticket = make_ticket(**ticket_values)
    services.assign(ticket, agent, actor=agent)
    services.change_status(ticket, Status.SOLVED, actor=agent)
    db.session.commit()
    return ticket


def mailed_token(clock, ticket) -> str:
    """Let the delay pass, run the sweep and read the token from the mail."""
    clock.advance(hours=25)
    csat.send_due()
    db.session.commit()
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.message_id.like("%.csat@%"),
                                                         OutgoingMail.ticket_id == ticket.id)).one()
    return re.search(r"http://localhost/survey/([\w-]+)/good", mail.text).group(1)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


# --- the mailed link -----------------------------------------------------------------------------

def test_opening_a_link_changes_nothing_and_sending_records_the_answer(app, client, clock):
    ticket = solved()
    token = mailed_token(clock, ticket)
    page = client.get(f"/survey/{token}/bad")
    html = text(page)
    assert page.status_code == 200 and "How did we do?" in html and f"#{ticket.number}" in html
    assert re.search(r'<input[^>]*checked[^>]*value="bad"|<input[^>]*value="bad"[^>]*checked', html)
    assert '<label for="comment">Comment (optional)</label>' in html and 'name="comment"' in html
    survey = csat.survey_for(ticket)
    assert survey.rating is None and survey.answered_at is None  # a mail scanner following links rates nothing
    response = client.post(f"/survey/{token}/bad", data={"rating": "bad", "comment": "Too slow."})
    assert response.status_code == 302 and response.location.endswith(f"/survey/{token}")
    db.session.refresh(survey)
    assert (survey.rating, survey.comment) == ("bad", "Too slow.")
    again = text(client.get(response.location))
    assert "Thank you! Your answer was recorded." in again and "You can change it until" in again
    client.post(f"/survey/{token}", data={"rating": "good", "comment": "Sorted out after all."})
    db.session.refresh(survey)
    assert (survey.rating, survey.comment) == ("good", "Sorted out after all.")


def test_a_wrong_token_or_rating_is_not_found(app, client, clock):
    token = mailed_token(clock, solved())
    assert client.get("/survey/not-a-real-token/good").status_code == 404
    assert client.post("/survey/not-a-real-token", data={"rating": "good"}).status_code == 404
    assert client.get(f"/survey/{token}/excellent").status_code == 404
    assert client.get(f"/survey/{token[:-2]}/good").status_code == 404


def test_a_too_long_comment_is_a_field_error_and_saves_nothing(app, client, clock):
    ticket = solved()
    token = mailed_token(clock, ticket)
    response = client.post(f"/survey/{token}/okay", data={"rating": "okay", "comment": "x" * 2001})
    html = text(response)
    assert response.status_code == 400
    assert re.search(r'<textarea[^>]*aria-invalid="true"', html)
    assert '<p class="error" id="comment-error">Your comment is too long (at most 2000 characters).</p>' in html
    missing = client.post(f"/survey/{token}", data={"comment": "No rating chosen."})
    assert missing.status_code == 400 and "Choose one of the three answers." in text(missing)
    assert csat.survey_for(ticket).rating is None


def test_the_form_needs_its_csrf_token(make_app, clock):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        ticket = solved()
        token = mailed_token(clock, ticket)
        client = app.test_client()
        page = text(client.get(f"/survey/{token}/good"))
        assert 'name="csrf_token"' in page
        assert client.post(f"/survey/{token}/good", data={"rating": "good"}).status_code == 400
        assert csat.survey_for(ticket).rating is None
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post(f"/survey/{token}/good", data={"rating": "good", "csrf_token": csrf}).status_code == 302
        assert csat.survey_for(ticket).rating == "good"
        db.session.remove()
        db.engine.dispose()


def test_the_page_speaks_the_customers_language(app, client, clock):
    token = mailed_token(clock, solved(email="jean@example.com", locale="fr"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = text(client.get(f"/survey/{token}/good"))
    assert '<html lang="fr">' in html and "Êtes-vous satisfait de notre aide" in html
    assert "Commentaire (facultatif)" in html and "Bien" in html and "Mauvais" in html
    error = text(client.post(f"/survey/{token}", data={"comment": "x"}))
    assert "Choisissez l'une des trois réponses." in error


def test_after_thirty_days_the_link_shows_the_answer_and_changes_nothing(app, client, clock):
    ticket = solved()
    token = mailed_token(clock, ticket)
    client.post(f"/survey/{token}", data={"rating": "okay", "comment": "Fine."})
    clock.advance(days=31)
    page = text(client.get(f"/survey/{token}/bad"))
    assert "This survey is closed" in page and "Rated: Okay" in page and "Fine." in page
    refused = client.post(f"/survey/{token}", data={"rating": "bad"})
    assert refused.status_code == 409 and csat.survey_for(ticket).rating == "okay"


# --- the portal ----------------------------------------------------------------------------------

def test_a_customer_rates_their_solved_request_from_the_portal(app, client, login, clock):
    customer = make_user()
    ticket = solved(requester=customer)
    login(customer.email)
    page = text(client.get(f"/portal/tickets/{ticket.number}"))
    assert "How did we do?" in page and 'name="rating" value="good"' in page
    assert f'action="/portal/tickets/{ticket.number}/satisfaction"' in page
    response = client.post(f"/portal/tickets/{ticket.number}/satisfaction", data={"rating": "good"})
    assert response.status_code == 302 and response.location.endswith(f"/portal/tickets/{ticket.number}")
    survey = csat.survey_for(ticket)
    assert survey.rating == "good" and survey.answered_at is not None
    after = text(client.get(response.location))
    assert "Rated: Good" in after and 'name="rating" value="good"' not in after and "Change my answer" in after
    form = text(client.get(f"/portal/tickets/{ticket.number}/satisfaction"))
    assert re.search(r'<input[^>]*checked[^>]*value="good"', form)
    client.post(f"/portal/tickets/{ticket.number}/satisfaction", data={"rating": "good", "comment": "**Quick**"})
    assert csat.survey_for(ticket).comment == "**Quick**"
    clock.advance(hours=25)
    assert csat.send_due() == 0  # answered in the portal: never mailed


def test_a_customer_with_no_survey_yet_can_start_one_but_only_on_their_own_solved_ticket(app, client, login):
    customer, other = make_user(), make_user()
    csat.save_settings(enabled=True, delay_hours=24, channels=["email"])
    mine = solved(requester=customer)  # a web ticket: no survey is scheduled with these settings
    theirs = solved(requester=other)
    open_one = make_ticket(requester=customer)
    assert csat.survey_for(mine) is None
    login(customer.email)
    assert "How did we do?" in text(client.get(f"/portal/tickets/{mine.number}"))
    assert "How did we do?" not in text(client.get(f"/portal/tickets/{open_one.number}"))
    assert client.post(f"/portal/tickets/{theirs.number}/satisfaction", data={"rating": "bad"}).status_code == 404
    assert client.get(f"/portal/tickets/{theirs.number}/satisfaction").status_code == 404
    assert client.post(f"/portal/tickets/{open_one.number}/satisfaction", data={"rating": "bad"}).status_code == 404
    assert client.post(f"/portal/tickets/{mine.number}/satisfaction", data={"rating": "okay"}).status_code == 302
    assert csat.survey_for(mine).rating == "okay" and csat.survey_for(theirs) is None
    assert db.session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == open_one.id)) is None


def test_a_guest_page_shows_no_portal_choice(app, client):
    from portal.tickets import links

    ticket = solved(email="guest@example.com")
    page = text(client.get(f"/help/requests/{links.guest_token(ticket)}"))
    assert page and "How did we do?" not in page


# --- staff ---------------------------------------------------------------------------------------

def test_the_staff_ticket_shows_the_rating_in_words_and_the_comment_sanitised(app, client, login, clock):
    agent = make_agent()
    ticket = solved(agent)
    login(agent.email)
    assert "Survey to be sent" in text(client.get(f"/staff/tickets/{ticket.number}"))
    token = mailed_token(clock, ticket)
    assert "no answer yet" in text(client.get(f"/staff/tickets/{ticket.number}"))
    client.post(f"/survey/{token}", data={"rating": "bad", "comment": "Late <script>alert(1)</script> **again**"})
    page = text(client.get(f"/staff/tickets/{ticket.number}"))
    aside = page[page.index('<aside class="ticket-side"'):]
    assert aside.index("Satisfaction") < aside.index("<h2>Ticket</h2>")  # first in the sidebar
    assert "Rated: Bad" in aside and "<strong>again</strong>" in aside
    assert "<script>alert(1)</script>" not in page


def rate(agent, rating, *, answered=True):
    ticket = solved(agent)
    survey = csat.survey_for(ticket)
    survey.sent_at = survey.send_after
    if answered:
        survey.rating, survey.answered_at = rating, survey.send_after
        survey.comment = f"{rating} by {agent.name}"
    db.session.commit()
    return survey


def row_of(html: str, name: str) -> str:
    return re.search(rf'<tr[^>]*>\s*<th scope="row">{name}</th>(.*?)</tr>', html, re.S).group(1)


def cells(row: str) -> list[str]:
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_figures_per_agent_for_managers_and_only_their_own_for_agents(app, client, login, clock):
    ann, bob = make_agent(name="Ann"), make_agent(name="Bob")
    manager = make_agent(role=Role.MANAGER, name="Mia")
    rate(ann, "bad")  # 45 days ago: outside 30 days, inside 90
    clock.advance(days=45)
    for rating in ("good", "good", "okay"):
        rate(ann, rating)
    rate(ann, None, answered=False)
    rate(bob, "bad")
    rate(bob, "good")
    login(manager.email)
    html = text(client.get("/staff/csat"))
    assert cells(row_of(html, "Ann")) == ["2", "1", "0", "3 of 4", "67 %", "75 %"]
    assert cells(row_of(html, "Bob")) == ["1", "0", "1", "2 of 2", "50 %", "100 %"]
    assert cells(row_of(html, "All agents")) == ["3", "1", "1", "5 of 6", "60 %", "83 %"]
    assert "okay by Ann" in html and "bad by Bob" in html
    wide = text(client.get("/staff/csat?days=90"))
    assert cells(row_of(wide, "Ann")) == ["2", "1", "1", "4 of 5", "50 %", "80 %"]
    assert cells(row_of(text(client.get("/staff/csat?days=7")), "Ann"))[0] == "2"
    client.post("/logout")
    login(bob.email)
    own = text(client.get("/staff/csat?days=banana"))
    assert cells(row_of(own, "Bob")) == ["1", "0", "1", "2 of 2", "50 %", "100 %"]
    assert "Ann" not in own and "okay by Ann" not in own and "Survey settings" not in own


def test_the_figures_need_ticket_work(app, client, login):
    login(make_user().email)
    assert client.get("/staff/csat").status_code == 404


def test_managers_change_the_settings_with_field_errors_on_bad_input(app, client, login):
    login(make_agent().email)
    assert client.get("/staff/settings/csat").status_code == 404
    client.post("/logout")
    login(make_agent(role=Role.MANAGER).email)
    page = text(client.get("/staff/settings/csat"))
    assert 'name="delay_hours"' in page and 'value="24"' in page and 'value="email"' in page
    bad = client.post("/staff/settings/csat", data={"enabled": "y", "delay_hours": "1000", "channels": ["email"]})
    assert bad.status_code == 400 and "Enter a delay between 0 and 720 hours." in text(bad)
    assert csat.settings()["delay_hours"] == 24
    saved = client.post("/staff/settings/csat", data={"delay_hours": "2", "channels": ["email", "portal"]})
    assert saved.status_code == 302
    assert csat.settings() == {"enabled": False, "delay_hours": 2, "channels": ["email", "portal"]}
    assert "Survey settings saved." in text(client.get(saved.location))


def test_the_settings_page_says_what_a_bad_rating_does_and_a_bad_rating_reopens_once_the_rule_is_on(
        app, client, login, clock):
    from portal.automation import defaults, rule_services

    manager = make_agent(role=Role.MANAGER, email="lead@example.com")
    login(manager.email)
    page = text(client.get("/staff/settings/csat"))
    assert "No rule reacts to bad ratings yet." in page and 'name="bad_reopen"' not in page
    defaults.install_defaults()
    db.session.commit()
    rule = rule_services.builtin_rule(defaults.BAD_RATING)
    page = text(client.get("/staff/settings/csat"))
    assert "The rule “Bad rating: reopen and alert the managers” is off." in page
    assert f'href="/staff/settings/rules/{rule.id}"' in page
    client.post(f"/staff/settings/rules/{rule.id}/enabled", data={"enabled": "1"})
    assert "The rule “Bad rating: reopen and alert the managers” is on." in text(client.get("/staff/settings/csat"))
    client.post("/logout")
    ticket = solved()
    token = mailed_token(clock, ticket)
    client.post(f"/survey/{token}/bad", data={"rating": "bad", "comment": "Wrong size again."})
    db.session.refresh(ticket)
    assert ticket.status == Status.OPEN
    assert db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "lead@example.com")).all()
    login(manager.email)
    page = text(client.get(f"/staff/tickets/{ticket.number}"))
    assert "Customer rated: bad — Wrong size again." in page and "Bad rating: reopen and alert the managers" in page
