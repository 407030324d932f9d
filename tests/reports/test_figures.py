"""The figures of a small hand-made desk (tests/reports/helpers.py), worked out by hand."""
from datetime import date

import pytest

from portal.errors import PermissionDenied
from portal.reports import rollups, service
from portal.reports.filters import for_days
from portal.reports.histogram import Histogram
from tests.reports.helpers import refreshed_desk, week


@pytest.fixture
def data(app, clock):
    return refreshed_desk(clock)


def values(report):
    return {key: figure["value"] for key, figure in report["summary"].items()}


def test_volume_times_and_rates_of_the_week(data):
    report = service.figures("dashboard", week())
    got = values(report)
    assert report["source"] == "rollups"
    assert (got["created"], got["solved"], got["backlog"]) == (4, 3, 2)
    assert report["backlog_start"] == 1  # T1, created the Friday before
    # First responses: T1 1 h (Friday 17:30 -> Monday 09:30 in Mon-Fri 9-18), T2 30 min, T3 5 min.
    assert (got["frt_median"], got["frt_p90"], got["frt_count"]) == (1800, 3240, 3)
    # Resolutions: T1 1 h, T2 2 h, T3 2 h (created 09:00, solved again 11:00).
    assert (got["resolution_median"], got["resolution_p90"]) == (7200, 7200)
    assert got["replies_per_solve"] == 1.67  # 1 + 2 + 2 replies over 3 solved
    assert got["one_touch_rate"] == 33.3 and got["reopen_rate"] == 33.3
    assert got["replies"] == 5


def test_comparison_with_the_previous_week(data):
    summary = service.figures("dashboard", week())["summary"]
    assert summary["created"] == {"value": 4, "previous": 1, "change": 3}
    assert summary["solved"] == {"value": 3, "previous": 0, "change": 3}
    assert summary["backlog"] == {"value": 2, "previous": 1, "change": 1}
    assert summary["frt_median"]["previous"] is None and summary["frt_median"]["change"] is None


def test_sla_and_satisfaction(data):
    got = values(service.figures("sla", week()))
    # Created in the week: T2 and T3 met both targets, T4 breached both, T5 was answered in time on
    # Monday 16 and its resolution target is still running.
    assert (got["sla_first_met"], got["sla_first_breached"], got["sla_first_rate"]) == (3, 1, 75.0)
    assert (got["sla_resolution_met"], got["sla_resolution_breached"], got["sla_resolution_rate"]) == (2, 1, 66.7)
    assert got["sla_breached_tickets"] == 1
    report = service.figures("csat", week())
    got = values(report)
    assert (got["csat_good"], got["csat_bad"], got["csat_answered"], got["csat_score"]) == (1, 1, 2, 50.0)
    assert [(c["ticket"], c["rating"], c["comment"]) for c in report["comments"]] == [
        (data["T2"].number, "good", "Quick and kind.")]


def test_series_per_day_with_the_backlog_at_each_end(data):
    series = service.figures("volume", week())["series"]
    assert [p["start"] for p in series][:2] == ["2026-11-09", "2026-11-10"]
    assert [(p["created"], p["solved"], p["backlog"]) for p in series] == [
        (1, 2, 0), (1, 1, 0), (1, 0, 1), (0, 0, 1), (0, 0, 1), (1, 0, 2), (0, 0, 2)]


def test_breakdowns_per_channel_and_store(data):
    breakdowns = service.figures("volume", week())["breakdowns"]
    channels = {item["key"]: (item["created"], item["solved"]) for item in breakdowns["channel"]}
    assert channels == {"web": (2, 1), "chat": (1, 1), "email": (1, 1)}
    stores = {item["label"]: item["created"] for item in breakdowns["store"]}
    assert stores == {"No store": 2, "Shop one": 1, "Shop two": 1}
    assert [(item["label"], item["created"]) for item in breakdowns["tag"]] == [("vip", 1)]


def test_agent_activity(data):
    rows = {row["name"]: row for row in service.figures("agents", week())["agents"]}
    alice, bruno = rows["Alice Agent"], rows["Bruno Agent"]
    assert (alice["replies"], alice["solved"], alice["frt_median"], alice["csat_score"]) == (3, 2, 1950, 0.0)
    assert (bruno["replies"], bruno["solved"], bruno["frt_median"], bruno["csat_score"]) == (2, 1, 1800, 100.0)


def test_one_filter_reads_its_rollup_and_two_read_the_facts(data):
    one = service.figures("dashboard", week(store=data["store1"].id))
    assert one["source"] == "rollups"
    assert (values(one)["created"], values(one)["solved"], values(one)["backlog"]) == (1, 2, 0)
    two = service.figures("dashboard", week(store=data["store1"].id, channel="chat"))
    assert two["source"] == "facts"
    assert (values(two)["created"], values(two)["solved"], values(two)["frt_median"]) == (1, 1, 300)
    # The same slice both ways gives the same figures.
    tagged = service.figures("dashboard", week(tag="vip"))
    same = service.figures("dashboard", week(tag="vip", channel="chat"))
    assert values(tagged) == values(same)


def test_the_agent_filter_follows_who_did_what(data):
    got = values(service.figures("dashboard", week(agent=data["a"].id)))
    assert (got["created"], got["solved"], got["replies"], got["frt_median"]) == (1, 2, 3, 1950)
    assert (got["csat_bad"], got["csat_good"]) == (1, 0)


def test_an_agent_sees_only_their_own_figures(data):
    mine = service.figures("agents", week(), viewer=data["b"])
    assert [row["name"] for row in mine["agents"]] == ["Bruno Agent"]
    assert mine["filters"]["agent"] == data["b"].id
    with pytest.raises(PermissionDenied):
        service.figures("self-service", week(), viewer=data["b"])


def test_changes_flow_through_the_signal_and_the_refresh(data, clock):
    from portal.extensions import db
    from portal.tickets import services

    services.assign(data["T4"], data["b"], actor=data["manager"])
    db.session.commit()
    assert rollups.refresh()["tickets"] == 1
    db.session.commit()
    got = values(service.figures("dashboard", week(agent=data["b"].id)))
    assert got["created"] == 2  # T2 and now T4


def test_a_rebuild_gives_the_same_figures(data):
    before = {name: service.figures(name, week()) for name in ("dashboard", "agents", "volume")}
    rollups.rebuild()
    after = {name: service.figures(name, week()) for name in ("dashboard", "agents", "volume")}
    assert before == after
    since = rollups.rebuild(date(2026, 11, 10))
    assert since["first_day"] == "2026-11-10"
    assert service.figures("dashboard", week()) == before["dashboard"]


def test_round_the_clock_without_a_calendar(app, clock):
    from portal.extensions import db
    from portal.tickets import services
    from tests.factories import make_agent, make_ticket
    from tests.reports.helpers import move, paris

    agent = make_agent()
    move(clock, paris(2026, 11, 6, 17, 30))
    ticket = make_ticket()
    move(clock, paris(2026, 11, 9, 9, 30))
    services.add_reply(ticket, body="Hello", author=agent)
    db.session.commit()
    rollups.refresh()
    got = values(service.figures("times", for_days(date(2026, 11, 9), date(2026, 11, 9))))
    assert got["frt_median"] == 64 * 3600  # Friday 17:30 to Monday 09:30


def test_histogram_estimates_stay_within_ten_percent():
    import random

    rng = random.Random(4)
    values_ = sorted(int(rng.expovariate(1 / 7200)) for _ in range(5000))
    halves = Histogram(), Histogram()
    for n, v in enumerate(values_):
        halves[n % 2].add(v)
    merged = Histogram()
    for half in halves:  # as a GROUP BY over days would add them up
        for index, (count, low, high) in half.cells.items():
            merged.add_cell(index, count, low, high)
    for p in (50, 90):
        exact = values_[round((len(values_) - 1) * p / 100)]
        assert abs(merged.percentile(p) - exact) <= 0.1 * exact
    assert Histogram().percentile(50) is None


def test_weekly_points_carry_their_own_response_times(data):
    report = service.figures("times", for_days(date(2026, 8, 24), date(2026, 11, 29)))  # 98 days: weekly points
    assert report["granularity"] == "week"
    week_of_9th = next(p for p in report["series"] if p["start"] == "2026-11-09")
    assert (week_of_9th["frt_median"], week_of_9th["resolution_median"], week_of_9th["solved"]) == (1800, 7200, 3)
    first = report["series"][0]
    assert first["start"] == "2026-08-24" and first["frt_median"] is None
    assert service.figures("volume", week())["series"][0].get("frt_median", "absent") == "absent"


def test_breakdowns_under_one_filter_read_the_pair_rollups(data):
    report = service.figures("volume", week(store=data["store1"].id))
    assert report["source"] == "rollups"
    channels = {item["key"]: (item["created"], item["solved"]) for item in report["breakdowns"]["channel"]}
    assert channels == {"chat": (1, 1), "email": (0, 1)}  # T3; T1 created the week before, solved this week
    assert [(i["label"], i["created"]) for i in report["breakdowns"]["tag"]] == [("vip", 1)]
    rows = {row["name"]: row for row in service.figures("agents", week(channel="web"))["agents"]}
    assert (rows["Bruno Agent"]["replies"], rows["Bruno Agent"]["solved"], rows["Bruno Agent"]["frt_median"]) == (
        2, 1, 1800)
    assert "Alice Agent" not in rows or rows["Alice Agent"]["replies"] == 0


def test_whole_months_read_the_monthly_histograms(data):
    # October 15 to December 15: days, then November as one monthly row per bucket, then days again.
    got = values(service.figures("times", for_days(date(2026, 10, 15), date(2026, 12, 15))))
    # November's first responses: T3 5 min, T5 15 min (Saturday 10:00 -> Monday 09:15), T2 30 min, T1 1 h.
    assert (got["frt_median"], got["frt_count"]) == (1350, 4)
    monthly = values(service.figures("dashboard", for_days(date(2026, 11, 1), date(2026, 11, 30))))
    assert (monthly["frt_median"], monthly["resolution_median"]) == (1350, 7200)


def test_breakdowns_under_two_filters_read_the_facts_once(data):
    report = service.figures("volume", week(store=data["store1"].id, channel="chat"))
    assert report["source"] == "facts"
    got = {dimension: {i["key"]: (i["created"], i["solved"]) for i in items}
           for dimension, items in report["breakdowns"].items()}
    assert got["channel"] == {"chat": (1, 1)} and got["store"] == {str(data["store1"].id): (1, 1)}
    assert got["topic"] == {"-": (1, 1)} and got["tag"] == {"vip": (1, 1)}


def test_two_filters_read_their_counts_from_the_pair_rollup(data):
    from portal.reports import queries

    store = data["store1"].id
    assert queries.pair_slice(week(store=store, channel="chat")) == ("store:channel", f"{store}\x1fchat")
    assert queries.pair_slice(week(store=store, channel="chat", tag="vip")) is None
    two = values(service.figures("dashboard", week(store=store, channel="chat")))
    # T3 only: created and solved in the week, reopened once, answered in 5 min, nothing left open.
    assert (two["created"], two["solved"], two["reopened"], two["backlog"], two["frt_median"]) == (1, 1, 1, 0, 300)
    assert values(service.figures("dashboard", week(store=data["store2"].id, channel="email")))["backlog"] == 1


@pytest.mark.parametrize("report", ["dashboard", "volume", "times", "sla", "csat", "agents"])
def test_the_pair_rollup_gives_the_figures_of_the_facts(data, monkeypatch, report):
    from portal.reports import queries

    store, a = data["store1"].id, data["a"].id
    pairs = [{"store": store, "channel": "chat"}, {"channel": "email", "agent": a}, {"agent": a, "tag": "vip"},
             {"store": data["store2"].id, "tag": "vip"}, {"store": data["store2"].id, "agent": data["b"].id}]
    periods = [week(**f) for f in pairs] + [for_days(date(2026, 10, 15), date(2026, 12, 15), store=store,
                                                      channel="email")]
    read = [service.figures(report, f) for f in periods]
    monkeypatch.setattr(queries, "pair_slice", lambda _filters: None)
    assert read == [service.figures(report, f) for f in periods]


@pytest.mark.sqlite_only  # the unary + is a hint for SQLite's planner; PostgreSQL chooses by its statistics
def test_a_channel_filter_without_a_group_stays_on_the_index_of_the_days(app):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.reports import aggregate

    def sql(**dimensions):
        query = select(aggregate.T.ticket_id).where(*aggregate.where(week(**dimensions), "frt"))
        return str(query.compile(db.engine))

    # SQLite has no statistics to weigh the "_by_channel" indexes: a + on the column keeps it off them.
    assert "+ report_ticket.channel" in sql(channel="chat", store=1)
    assert "+" not in sql(channel="chat", group=1)
