"""/api/v1/reports: the figures of the report pages as JSON, with the same permissions and exact numbers."""
import pytest

from portal.extensions import db
from tests.api.conftest import error_of
from tests.reports.helpers import refreshed_desk

WEEK = "period=custom&from=2026-11-09&to=2026-11-15"


@pytest.fixture
def data(app, clock):
    return refreshed_desk(clock)


def test_a_manager_reads_the_weeks_volume_with_the_previous_week(api, token, data):
    secret = token(data["manager"], "reports:read")
    listed = api.get("/reports", token=secret).get_json()["data"]
    assert [r["name"] for r in listed] == ["dashboard", "volume", "times", "sla", "csat", "agents", "self-service"]

    report = api.get(f"/reports/volume?{WEEK}", token=secret).get_json()
    assert report["report"] == "volume"
    assert report["period"] == {"start": "2026-11-09", "end": "2026-11-15", "days": 7}
    assert report["summary"]["created"] == {"value": 4, "previous": 1, "change": 3}
    assert report["summary"]["frt_median"]["value"] == 1800  # 30 min of business time
    stores = {item["label"]: item["created"] for item in report["breakdowns"]["store"]}
    assert sum(stores.values()) <= 4 and set(stores) <= {"Shop one", "Shop two", "No store"}


def test_an_agent_gets_their_own_figures_and_not_the_managers_reports(api, token, data):
    secret = token(data["a"], "reports:read")
    assert "self-service" not in [r["name"] for r in api.get("/reports", token=secret).get_json()["data"]]
    refused = api.get(f"/reports/self-service?{WEEK}", token=secret)
    assert refused.status_code == 403
    mine = api.get(f"/reports/agents?{WEEK}", token=secret).get_json()
    assert [row["name"] for row in mine["agents"]] == ["Alice Agent"]


def test_bad_filters_unknown_reports_and_missing_scope_are_4xx_with_a_reason(api, token, data):
    secret = token(data["manager"], "reports:read")
    unknown_store = api.get(f"/reports/volume?{WEEK}&store=987654", token=secret)
    assert unknown_store.status_code == 422 and error_of(unknown_store)["message"]
    assert api.get("/reports/volume?period=fortnight", token=secret).status_code == 400  # not a period at all
    assert api.get("/reports/volume?colour=red", token=secret).status_code == 400
    assert api.get("/reports/nothing", token=secret).status_code == 404
    other = token(data["manager"], "tickets:read")
    assert error_of(api.get("/reports/volume", token=other))["code"] == "insufficient_scope"
    assert api.get("/reports/volume").status_code == 401


def test_a_store_limited_reader_of_everyones_reports_gets_their_stores_only(api, token, data):
    from portal.accounts import roles
    from tests.factories import make_agent

    lead = make_agent(name="Lee Lead", email="lead@example.com")
    role = roles.create_role(actor=data["manager"], name="Store lead",
                             permissions=["tickets.work", "reports.view", "reports.all", "api.use"])
    roles.set_member_access(actor=data["manager"], user=lead, role_id=role.id, store_ids=[data["store1"].id])
    db.session.commit()
    secret = token(lead, "reports:read")
    report = api.get(f"/reports/volume?{WEEK}", token=secret).get_json()
    assert report["summary"]["created"]["value"] == 1 and report["summary"]["solved"]["value"] == 2
    assert report["summary"]["backlog"]["value"] == 0 and report["filters"]["store"] == data["store1"].id
    assert {item["label"]: item["created"] for item in report["breakdowns"]["store"]} == {"Shop one": 1}
    other = api.get(f"/reports/volume?{WEEK}&store={data['store2'].id}", token=secret)
    assert other.status_code == 422
    assert error_of(other)["message"] == "There is no such store; showing every store."
    agents = api.get(f"/reports/agents?{WEEK}", token=secret).get_json()["agents"]
    assert {row["name"]: row["solved"] for row in agents if row["solved"]} == {"Alice Agent": 2}
