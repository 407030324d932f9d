"""Run: .venv/bin/python bench/tickets.py [--tickets 1000000] [--runs 50] [--seed 1] [--regenerate]

Ticket-queue benchmark in one warm process. Builds (or reuses) the database of bench/generate_tickets.py
under bench/data/tickets-N/, upgrades it through the real migrations, logs in through POST /login as an
agent with scope "all", as a manager and as a customer, then times with the Flask test client: every
queue view's first page, a filtered view, page 500 of All open (keyset cursor), the ticket page with 50
messages and the customer's request list; then every view again as agents whose scope is their groups
(agent-grp) or their own tickets (agent-own). Prints p50/p95 and req/s against the 50 ms goal, the SQL count
per page, the slowest statement, and EXPLAIN QUERY PLAN of every statement, flagging full table scans.
"""
import argparse
import contextlib
import gc
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate_tickets  # noqa: E402

GOAL_MS = 50.0
SLOW_SORT_MS = 20.0
PAGE = 500
FILTER = {"priority": "high", "tag": "late-delivery"}
WATCHED = ("ticket", "ticket_message", "ticket_event", "ticket_tag")
# "SCAN ticket" (no index): every row read. "SEARCH ticket USING INDEX x (...)": a range of an index.
FULL_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def build_app(folder: Path):
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "MAIL_SERVER": None, "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade()  # a database generated before a new migration gets its indexes here
    return app


def logged_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": generate_tickets.PASSWORD})
    if response.status_code not in (302, 303):
        raise SystemExit(f"login as {email} failed: {response.status_code}")
    return client


def deep_cursor(app, agent_email: str, page: int) -> tuple[int, str, int]:
    """The cursor a reader of All open holds after page-1 pages, and the ticket id the page starts with.

    A database too small for `page` pages gives its deepest page instead (the quick --tickets runs).
    """
    from sqlalchemy import func, select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tickets import queries
    from portal.tickets.access import staff_filter
    from portal.tickets.models import Ticket

    with app.app_context():
        agent = db.session.scalar(select(User).where(User.email == agent_email))
        per_page = app.config["TICKETS_PER_PAGE"]
        where = (staff_filter(agent), queries.view_condition("open", agent))
        total = db.session.scalar(select(func.count()).select_from(Ticket).where(*where))
        page = max(2, min(page, math.ceil(total / per_page)))
        order = (Ticket.priority_rank, Ticket.waiting_since, Ticket.id)
        rows = db.session.execute(select(*order).where(*where).order_by(*order)
                                  .offset((page - 1) * per_page - 1).limit(2)).all()
        db.session.remove()
    return page, queries._encode(*rows[0]), rows[1].id


def scenarios(app, meta) -> list[dict]:
    """Every measured page: who asks (their email), a label, the URL, and what its first row must be."""
    from sqlalchemy import func, select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tickets.models import Ticket

    with app.app_context():
        # The regular customer (one of those who write often) with the most requests.
        first = meta["regular_customer_id"]
        busiest = (select(Ticket.requester_id).where(Ticket.requester_id.between(first, first + 9_999))
                   .group_by(Ticket.requester_id).order_by(func.count().desc(), Ticket.requester_id).limit(1))
        customer = db.session.scalar(select(User.email).where(User.id == busiest.scalar_subquery()))
        db.session.remove()
    agent, manager = "agent01@comptoir.test", "manager01@comptoir.test"  # agent01: scope "all"
    page, cursor, first_id = deep_cursor(app, agent, PAGE)
    out = []
    for who, email in (("agent", agent), ("manager", manager)):
        for view in ("mine", "unassigned", "groups", "open", "pending", "on_hold", "solved"):
            out.append({"who": who, "email": email, "page": f"queue: {view}", "url": f"/staff/tickets/?view={view}"})
        query = "&".join(f"{k}={v}" for k, v in FILTER.items())
        out.append({"who": who, "email": email, "page": "open + high + tag", "url": f"/staff/tickets/?view=open&{query}"})
        out.append({"who": who, "email": email, "page": f"open, page {page}",
                    "url": f"/staff/tickets/?view=open&after={cursor}", "first_id": first_id})
        out.append({"who": who, "email": email, "page": "ticket, 50 messages",
                    "url": f"/staff/tickets/{meta['long_thread_number']}"})
    # Agents whose scope is their groups, or only their own tickets: the same views, other index ranges.
    for who, email in (("agent-grp", "agent09@comptoir.test"), ("agent-own", "agent16@comptoir.test")):
        for view in ("mine", "unassigned", "groups", "open", "pending", "on_hold", "solved"):
            out.append({"who": who, "email": email, "page": f"queue: {view}", "url": f"/staff/tickets/?view={view}"})
    out.append({"who": "customer", "email": customer, "page": "my requests", "url": "/portal/tickets/"})
    return out


def rows_shown(scenario, body: str) -> int:
    """How many tickets or messages the page lists; also fails loudly on a wrong page."""
    if scenario["page"].startswith("ticket"):
        return body.count('<li class="message ')
    if scenario["who"] == "customer":
        return body.count("<li>") if 'class="ticket-list"' in body else 0
    shown = re.findall(r'name="ids" value="(\d+)"', body)
    if scenario.get("first_id") and (not shown or int(shown[0]) != scenario["first_id"]):
        raise SystemExit(f"{scenario['url']} does not start at ticket {scenario['first_id']}")
    return len(shown)


@contextlib.contextmanager
def recording(app):
    """Every SQL statement run inside the block, as (sql, parameters, seconds)."""
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    statements, started = [], {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters, time.perf_counter() - started.pop(id(cursor), 0)))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(app, statements) -> list[dict]:
    """EXPLAIN QUERY PLAN of each SELECT/UPDATE/DELETE, with its full table scans and temp-B-tree sorts."""
    from portal.extensions import db

    found = []
    with app.app_context(), db.engine.connect() as conn:
        # Only real tables: "SCAN anon_1" is the walk over a subquery's own (small) result.
        tables = {name for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for sql, params, seconds in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                continue
            details = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
            scanned = [m.group(1) for d in details if (m := FULL_SCAN.match(d)) and m.group(1) in tables]
            found.append({"sql": sql, "ms": seconds * 1000, "plan": details, "scanned": scanned,
                          "full": [t for t in scanned if t in WATCHED],
                          "sorts": [d for d in details if d.startswith("USE TEMP B-TREE")]})
    return found


def measure(app, clients, scenario, runs: int) -> dict:
    """A checked first request whose SQL is explained, then `runs` timed requests (SQL time summed per request)."""
    client = clients[scenario["email"]]
    with recording(app) as statements:
        response = client.get(scenario["url"])
    if response.status_code != 200:
        raise SystemExit(f"{scenario['url']} as {scenario['who']}: {response.status_code}")
    shown = rows_shown(scenario, response.get_data(as_text=True))
    plans = explain(app, statements)
    gc.collect()
    latencies, cpu, sql = [], [], []
    began = time.perf_counter()
    with recording(app) as timed:
        for _ in range(runs):
            done = len(timed)
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(scenario["url"]).close()
            latencies.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            sql.append(sum(seconds for _, _, seconds in timed[done:]))
    elapsed = time.perf_counter() - began
    slowest = max(plans, key=lambda p: p["ms"]) if plans else None
    return dict(scenario, shown=shown, queries=len(statements), plans=plans, slowest=slowest,
                sql_ms=percentile(sql, 50) * 1000, p50=percentile(latencies, 50) * 1000,
                p95=percentile(latencies, 95) * 1000, max=max(latencies) * 1000, rps=runs / elapsed,
                cpu50=percentile(cpu, 50) * 1000, cpu95=percentile(cpu, 95) * 1000)


def short(sql: str, width: int = 110) -> str:
    return " ".join(sql.split())[:width]


def report(args, meta, results) -> None:
    print(f"\nTicket queue: {meta['tickets']:,} tickets, {meta['rows']['messages']:,} messages, "
          f"{meta['rows']['events']:,} events (seed {meta['seed']}), {args.runs} runs per page, "
          "Flask test client, one warm process, SQLite\n")
    print(f"{'who':<9}{'page':<22}{'rows':>5}{'SQL':>5}{'SQL ms':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
          f"{'req/s':>7}{'cpu p50':>9}{'cpu p95':>9}  verdict (p95 < {GOAL_MS:g} ms)")
    for r in results:
        verdict = "ok" if r["p95"] < GOAL_MS else "MISSED"
        print(f"{r['who']:<9}{r['page']:<22}{r['shown']:>5}{r['queries']:>5}{r['sql_ms']:>8.2f}{r['p50']:>9.2f}"
              f"{r['p95']:>9.2f}{r['max']:>9.2f}{r['rps']:>7.0f}{r['cpu50']:>9.2f}{r['cpu95']:>9.2f}  {verdict}")
    print("(SQL: statements per request; SQL ms: median time inside the database per request; cpu: this process's")
    print(" CPU time per request, which other programs on the machine do not add to as they do to wall time.)")
    print("\nQuery plans: the slowest statement of each page (its time in the first, checked request), then every")
    print(f"statement that scans a whole table, or that sorts in a temp B-tree and takes {SLOW_SORT_MS:g} ms or more")
    print("(merging a page's index ranges sorts at most ranges x 51 rows: no concern):")
    for r in results:
        if r["slowest"]:
            plan = r["slowest"]
            print(f"  {r['who']} / {r['page']}: {plan['ms']:.2f} ms  {' | '.join(plan['plan'])}")
    seen, full_scans, other_scans = set(), [], set()
    for r in results:
        for plan in r["plans"]:
            other_scans.update(t for t in plan["scanned"] if t not in WATCHED)
            worth = plan["full"] or plan["scanned"] and plan["ms"] >= 1.0 or plan["sorts"] and plan["ms"] >= SLOW_SORT_MS
            if plan["sql"] in seen or not worth:
                continue
            seen.add(plan["sql"])
            if plan["full"]:
                full_scans.append(plan)
            label = "FULL SCAN of " + ", ".join(plan["full"]) if plan["full"] else (
                "scan of " + ", ".join(plan["scanned"]) if plan["scanned"] else "sort")
            print(f"  [{label}] {r['who']} / {r['page']} ({plan['ms']:.1f} ms): {short(plan['sql'])}")
            for detail in plan["plan"]:
                print(f"      {detail}")
    missed = [f"{r['who']}/{r['page']}" for r in results if r["p95"] >= GOAL_MS]
    print(f"\nfull table scans of {', '.join(WATCHED)}: {len(full_scans) or 'none'}")
    print(f"other tables read whole (small lookups unless flagged above): {', '.join(sorted(other_scans)) or 'none'}")
    print(f"pages over {GOAL_MS:g} ms p95: {', '.join(missed) or 'none'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Ticket-queue latency benchmark.")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="database size (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the database even if it matches")
    args = parser.parse_args(argv)

    meta = generate_tickets.ensure_database(args.tickets, args.seed, args.regenerate)
    app = build_app(generate_tickets.data_dir(args.tickets))
    plan = scenarios(app, meta)
    clients = {email: logged_in(app, email) for email in dict.fromkeys(s["email"] for s in plan)}
    results = [measure(app, clients, scenario, args.runs) for scenario in plan]
    report(args, meta, results)


if __name__ == "__main__":
    main()
