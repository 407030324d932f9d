"""Staff order search: what it matches, its constant query count, and that no branch reads every order."""
from datetime import datetime

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.orders import queries
from tests.factories import make_agent, make_order, make_store


@pytest.fixture
def orders(app):
    store = make_store()
    return {"bea": make_order(store, number=5001, email="bea.buyer@example.com", customer_name="Béa Buyer",
                              shipped=True, placed_at=datetime(2026, 11, 1, 9, 0)),
            "bob": make_order(store, number=5002, email="bob_smith@example.com", customer_name="Bob Smith",
                              placed_at=datetime(2026, 11, 2, 9, 0)),
            "ann": make_order(store, number=5003, email="ann@example.org", customer_name="Ann O'Neil",
                              placed_at=datetime(2026, 11, 3, 9, 0))}


def found(q, **kwargs):
    return {o.number for o in queries.search(q, **kwargs)}


@pytest.mark.parametrize("q, numbers", [
    ("5001", {"5001"}), ("#5002", {"5002"}),
    ("bea.buyer@example.com", {"5001"}), ("BEA.BUYER@EXAMPLE.COM", {"5001"}), ("bob_", {"5002"}),
    ("ann@", {"5003"}), ("b", {"5001", "5002"}),
    ("Béa B", {"5001"}), ("béa buyer", {"5001"}), ("bob sm", {"5002"}), ("ann o'", {"5003"}),
    ("6A123", {"5001"}),
    ("%", set()), ("_ob", set()), ("Buyer", set()), ("example.com", set()), ("", set()),
])
def test_search_matches_number_email_or_its_start_name_prefix_and_tracking(orders, q, numbers):
    assert found(q) == numbers


def test_search_is_newest_first_and_limited(orders):
    assert [o.number for o in queries.search("b")] == ["5002", "5001"]
    assert len(queries.search("b", limit=1)) == 1


def test_search_page_query_count_does_not_grow_with_results(app, client, login, orders):
    make_agent(email="agent@example.com")
    login("agent@example.com")
    def statements_for(q):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get(f"/staff/orders/?q={q}")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200 and b"Shipped" in response.data
        return len(statements)

    # one order, then two (one shipped): shipments and refunds are loaded up front, not per row
    assert statements_for("5001") == statements_for("b")


@pytest.mark.sqlite_only
def test_search_reads_no_table_whole(app, orders):
    """Every alternative of the search is an index lookup (SQLite MULTI-INDEX OR), not a scan of the orders."""
    captured = []

    def keep(conn, cursor, sql, parameters, *args):
        if "FROM shop_order" in sql and not captured:
            captured.append((sql, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        queries.search("Béa B")
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    sql, parameters = captured[0]
    with db.engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)]
    assert not [d for d in plan if d.startswith(("SCAN shop_order", "SCAN shipment"))], plan
    assert any("ix_order_customer_name_nocase" in d for d in plan), plan
