"""A team member limited to some stores gets those stores' figures only, even with everyone's reports
("reports.all"): the desk of tests/reports/helpers.py, whose week holds T1 and T3 in store 1, T4 in store 2."""
import pytest

from portal.accounts import roles
from portal.extensions import db
from portal.reports import service
from portal.reports.filters import parse_filters
from tests.factories import make_agent
from tests.reports.helpers import refreshed_desk, week
from tests.reports.test_views import WEEK, log_in

UNKNOWN_STORE = "There is no such store; showing every store."


@pytest.fixture
def data(app, clock):
    return refreshed_desk(clock)


def lead_of(data, *stores, email="lead@example.com"):
    """An agent whose custom role sees everyone's reports, limited to `stores`."""
    lead = make_agent(name="Lee Lead", email=email)
    role = roles.create_role(actor=data["manager"], name=f"Store lead {email}",
                             permissions=["tickets.work", "reports.view", "reports.all", "data.export"])
    roles.set_member_access(actor=data["manager"], user=lead, role_id=role.id, store_ids=[s.id for s in stores])
    db.session.commit()
    return lead


def values(report):
    return {key: figure["value"] for key, figure in report["summary"].items()}


def test_one_store_gives_that_stores_figures_from_its_rollup(data):
    lead = lead_of(data, data["store1"])
    report = service.figures("volume", week(), viewer=lead)
    got = values(report)
    assert report["source"] == "rollups" and report["filters"]["store"] == data["store1"].id
    assert (got["created"], got["solved"], got["backlog"]) == (1, 2, 0)  # T3 created; T1 and T3 solved
    assert {item["label"]: item["created"] for item in report["breakdowns"]["store"]} == {"Shop one": 1}
    assert [(p["created"], p["solved"]) for p in report["series"]][:2] == [(0, 1), (1, 1)]


def test_several_stores_read_the_facts_of_those_stores_only(data):
    lead = lead_of(data, data["store1"], data["store2"])
    report = service.figures("volume", week(), viewer=lead)
    got = values(report)
    assert report["source"] == "facts" and report["filters"]["store"] is None
    # T3 and T4 created; T1 and T3 solved; T1 open when the week began, T4 still open at its end.
    assert (got["created"], got["solved"], got["backlog"], report["backlog_start"]) == (2, 2, 1, 1)
    stores = {item["label"]: item["created"] for item in report["breakdowns"]["store"]}
    assert stores == {"Shop one": 1, "Shop two": 1}  # the two tickets of no store are not theirs
    channels = {item["key"]: (item["created"], item["solved"]) for item in report["breakdowns"]["channel"]}
    assert channels == {"chat": (1, 1), "email": (1, 1)}
    agents = {row["name"]: (row["solved"], row["replies"]) for row in service.figures("agents", week(),
                                                                                         viewer=lead)["agents"]}
    assert agents["Alice Agent"] == (2, 3) and agents.get("Bruno Agent", (0, 0)) == (0, 0)
    assert values(service.figures("sla", week(), viewer=lead))["sla_first_breached"] == 1  # T4


def test_another_store_is_refused_and_their_stores_figures_shown(data):
    lead = lead_of(data, data["store1"])
    filters = parse_filters({"period": "custom", "from": "2026-11-09", "to": "2026-11-15",
                             "store": str(data["store2"].id)}, viewer=lead)
    assert filters.store == data["store1"].id and [str(m) for m in filters.messages] == [UNKNOWN_STORE]
    got = values(service.figures("dashboard", filters, viewer=lead))
    assert (got["created"], got["solved"]) == (1, 2)
    chosen = parse_filters({"store": str(data["store1"].id)}, viewer=lead_of(
        data, data["store1"], data["store2"], email="two@example.com"))
    assert chosen.store == data["store1"].id and not chosen.messages


def test_a_manager_still_sees_every_store(data):
    got = values(service.figures("volume", week(), viewer=data["manager"]))
    assert (got["created"], got["solved"], got["backlog"]) == (4, 3, 2)


def test_the_page_lists_their_stores_and_refuses_another(client, data):
    log_in(client, lead_of(data, data["store1"]))
    html = client.get(f"/staff/reports/volume?{WEEK}").get_data(as_text=True)
    assert f'<option value="{data["store1"].id}" selected>Shop one</option>' in html
    assert "Shop two" not in html
    refused = client.get(f"/staff/reports/volume?{WEEK}&store={data['store2'].id}").get_data(as_text=True)
    assert UNKNOWN_STORE in refused and "Shop two" not in refused
    csv = client.get(f"/staff/reports/export/volume.csv?{WEEK}").get_data(as_text=True)
    assert sum(int(line.split(",")[1]) for line in csv.splitlines()[1:] if line[:1].isdigit()) == 1
