"""The report pages as staff reach them: permissions, filters that never break a page, charts with their
tables, CSV exports that stream, the weekly mail settings."""
import re

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from tests.factories import PASSWORD, make_agent, make_user
from tests.reports.helpers import refreshed_desk

WEEK = "period=custom&from=2026-11-09&to=2026-11-15"


@pytest.fixture
def data(app, clock):
    return refreshed_desk(clock)


def log_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code in (302, 303)


def test_every_report_renders_for_a_manager(client, data):
    log_in(client, data["manager"])
    for name in ("dashboard", "volume", "times", "sla", "csat", "agents", "self-service"):
        response = client.get(f"/staff/reports/{name}?{WEEK}")
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert f'href="/staff/reports/{name}?' in html  # the report's tab
        for svg in re.findall(r"<svg class=\"report-chart\"[^>]*>", html):
            assert 'role="img"' in svg and "aria-labelledby" in svg
        if name != "agents":
            assert "<title id=" in html and "<desc id=" in html and "Show as a table" in html


def test_the_dashboard_shows_the_weeks_numbers(client, data):
    log_in(client, data["manager"])
    html = client.get(f"/staff/reports/?{WEEK}").get_data(as_text=True)
    assert "Tickets created" in html and "previously 1" in html
    assert "30 min" in html  # the median first response
    assert 'aria-current="page">Reports</a>' in html.replace("\n", "") or "Reports</a>" in html


def test_an_agent_sees_their_own_figures_and_no_agent_menu(client, data):
    log_in(client, data["b"])
    html = client.get(f"/staff/reports/agents?{WEEK}").get_data(as_text=True)
    assert "Bruno Agent" in html and "Alice Agent" not in html
    assert 'name="agent"' not in html and "your own figures" in html
    forced = client.get(f"/staff/reports/agents?{WEEK}&agent={data['a'].id}").get_data(as_text=True)
    assert "Alice Agent" not in forced
    assert client.get("/staff/reports/self-service").status_code == 404
    assert client.get("/staff/reports/settings").status_code == 404


def test_customers_and_editors_do_not_see_reports(client, app):
    for role in (Role.CUSTOMER, Role.EDITOR):
        user = make_user(role=role)
        log_in(client, user)
        assert client.get("/staff/reports/").status_code == 404
        assert "/staff/reports" not in client.get("/staff/").get_data(as_text=True)
        client.post("/logout")


BAD_QUERIES = [
    "period=forever", "period=custom&from=2026-13-01&to=x", "period=custom&from=2026-11-10&to=2026-11-01",
    "period=custom&from=1900-01-01&to=2026-11-01", "period=custom&from=2020-01-01&to=2026-11-01",
    "store=abc", "store=99999999999999999999", "group=-1", "agent=%C2%B2", "channel=fax", "tag=" + "x" * 80,
    "tag=a,b", "store=1&channel=email&group=1&tag=vip", "period=%00", "from=%FF"]


def test_bad_filters_give_a_page_with_a_message(client, data):
    log_in(client, data["manager"])
    for query in BAD_QUERIES:
        for name in ("dashboard", "self-service"):
            response = client.get(f"/staff/reports/{name}?{query}")
            assert response.status_code == 200, (query, response.status_code)
        assert client.get(f"/staff/reports/export/volume.csv?{query}").status_code == 200
    page = client.get("/staff/reports/?store=abc").get_data(as_text=True)
    assert "There is no such store; showing every store." in page


def test_unknown_report_is_a_404(client, data):
    log_in(client, data["manager"])
    assert client.get("/staff/reports/nope").status_code == 404
    assert client.get("/staff/reports/export/nope.csv").status_code == 404


def test_csv_exports_stream_the_figures(client, data):
    log_in(client, data["manager"])
    response = client.get(f"/staff/reports/export/volume.csv?{WEEK}")
    assert response.is_streamed and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "date,created,solved,backlog"
    assert lines[1:] == ["2026-11-09,1,2,0", "2026-11-10,1,1,0", "2026-11-11,1,0,1", "2026-11-12,0,0,1",
                         "2026-11-13,0,0,1", "2026-11-14,1,0,2", "2026-11-15,0,0,2"]
    tickets = client.get(f"/staff/reports/export/tickets.csv?{WEEK}").get_data(as_text=True).splitlines()
    assert len(tickets) == 5 and tickets[0].startswith("ticket,created_at")
    assert tickets[2].split(",")[0] == str(data["T3"].number) and ",vip," in tickets[2]
    agents = client.get(f"/staff/reports/export/agents.csv?{WEEK}").get_data(as_text=True).splitlines()
    assert agents[0].startswith("agent_id,name,replies") and len(agents) == 3
    times = client.get(f"/staff/reports/export/times.csv?{WEEK}").get_data(as_text=True).splitlines()
    assert times[1].startswith("2026-11-09,45.0,")  # median of T1 (60 min) and T2 (30 min)


def test_weekly_mail_settings(client, data):
    other = make_agent(role=Role.MANAGER, name="Other Manager")
    log_in(client, data["manager"])
    page = client.get("/staff/reports/settings").get_data(as_text=True)
    assert "Other Manager" in page and "Alice Agent" not in page
    response = client.post("/staff/reports/settings", data={"recipients": [str(other.id)]})
    assert response.status_code == 302
    from portal.reports import weekly

    assert [u.id for u in weekly.recipients()] == [other.id]
    refused = client.post("/staff/reports/settings", data={"recipients": [str(data["a"].id)]})
    assert refused.status_code == 400 and "Choose managers from the list." in refused.get_data(as_text=True)
    assert client.post("/staff/reports/settings", data={"recipients": ["x" * 30]}).status_code == 400


def test_odd_values_in_every_filter_never_break_a_page(client, data):
    from urllib.parse import quote_from_bytes

    from tests.test_garbage_input import ODD_VALUES

    log_in(client, data["manager"])
    for value in ODD_VALUES:
        raw = value if isinstance(value, bytes) else value.encode()
        encoded = quote_from_bytes(raw, safe="")
        query = "&".join(f"{name}={encoded}" for name in ("period", "from", "to", "store", "channel", "group",
                                                            "agent", "tag"))
        for url in ("/staff/reports/", "/staff/reports/agents", "/staff/reports/self-service",
                    "/staff/reports/export/tickets.csv", "/staff/reports/export/volume.csv"):
            response = client.get(f"{url}?{query}")
            assert response.status_code == 200, (url, value, response.status_code)
            response.close()
    response = client.post("/staff/reports/settings", data={"recipients": ODD_VALUES[:6]})
    assert response.status_code == 400


def test_pages_in_french(client, data):
    data["manager"].locale = "fr"
    db.session.commit()
    log_in(client, data["manager"])
    html = client.get(f"/staff/reports/times?{WEEK}").get_data(as_text=True)
    assert "Rapports" in html and "Délai de première réponse" in html and "Afficher en tableau" in html
    assert "30 min" in html and "33,3 %" in html
