"""Run: .venv/bin/python bench/orders.py [--orders 100000] [--runs 100] [--webhooks 2000] [--seed 1] [--regenerate]

Orders benchmark in one warm process. Builds (or reuses) the database of bench/generate_orders.py under
bench/data/orders-N/, copies it to bench/data/orders-N/run/ (so every run starts from the same data),
upgrades the copy through the real migrations, then with the Flask test client:
- logs in through POST /login as a verified customer with about 10 orders and times /portal/orders/ and
  their newest order's page (goal p95 < 30 ms); the customer with the most orders is shown too;
- logs in as an agent and times /staff/orders/?q= by number, email, name prefix and tracking number
  (goal p95 < 50 ms), plus a bare first name and an email prefix for context;
- posts N signed Shopify deliveries to /hooks/shopify/<store id>, alternating orders/create of a new order
  and orders/updated of a stored one: requests/s and p50/p95 per request.
Prints the SQL count per page, the slowest statement and EXPLAIN QUERY PLAN of every statement, flagging
full scans of shop_order, shipment and order_item.
"""
import argparse
import gc
import json
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate_orders  # noqa: E402
import shopify_deliveries  # noqa: E402

PORTAL_GOAL_MS, STAFF_GOAL_MS = 30.0, 50.0
WATCHED = ("shop_order", "shipment", "order_item")
FULL_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?(?: USING .*)?$")


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fresh_copy(orders: int) -> tuple[Path, float]:
    """A working copy of the generated database, upgraded through the migrations; returns (folder, seconds)."""
    source = generate_orders.data_dir(orders)
    folder = source / "run"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(source / "portal.db", folder / "portal.db")
    from flask_migrate import upgrade

    started = time.perf_counter()
    app = make_app(folder)
    with app.app_context():
        upgrade()  # a database generated before a new migration gets its indexes here
    return folder, time.perf_counter() - started


def make_app(folder: Path):
    from portal import create_app

    return create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "MAIL_SERVER": None, "SERVER_NAME": "localhost"})


def logged_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": generate_orders.PASSWORD})
    if response.status_code not in (302, 303):
        raise SystemExit(f"login as {email} failed: {response.status_code}")
    return client


def scenarios(app, meta) -> list[dict]:
    """Every measured page: who, label, url, goal."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.orders.models import Order, Shipment

    customer, heavy, agent = meta["customer_10"], meta["customer_most"], meta["agent"]
    with app.app_context():
        mine = select(Order).where(Order.email == customer).order_by(Order.placed_at.desc())
        newest = db.session.scalars(mine.limit(1)).one()
        count = db.session.scalar(select(func.count()).where(Order.email == customer))
        heavy_count = db.session.scalar(select(func.count()).where(Order.email == heavy))
        middle = db.session.scalar(select(Order).where(Order.id == meta["rows"]["shop_order"] // 2))
        tracking = db.session.scalar(select(Shipment.tracking_number).where(Shipment.order_id == middle.id).limit(1)) \
            or db.session.scalar(select(Shipment.tracking_number).limit(1))
        first, last = newest.customer_name.split(" ", 1)
        db.session.remove()
    portal = [("customer", customer, f"my orders ({count})", "/portal/orders/"),
              ("customer", customer, "my order page", f"/portal/orders/{newest.id}"),
              ("customer", heavy, f"my orders ({heavy_count}, most)", "/portal/orders/")]
    staff = [("number", middle.number), ("email", customer), ("name prefix", f"{first} {last[:3]}"),
             ("tracking number", tracking), ("first name only", first), ("email prefix", customer.split(".")[0])]
    out = [{"who": who, "email": email, "page": page, "url": url, "goal": PORTAL_GOAL_MS}
           for who, email, page, url in portal]
    for label, q in staff:
        out.append({"who": "agent", "email": agent, "page": f"search: {label}", "q": q,
                    "url": f"/staff/orders/?q={q.replace(' ', '+')}", "goal": STAFF_GOAL_MS})
    return out


def rows_shown(scenario, body: str) -> int:
    """How many orders the page lists (1 for an order page); fails loudly on a wrong page."""
    if scenario["url"].startswith("/portal/orders/") and scenario["url"] != "/portal/orders/":
        return int('class="order-actions"' in body)  # the request buttons, in any language
    if scenario["who"] == "customer":
        return len(re.findall(r'href="/portal/orders/\d+"', body))
    return len(re.findall(r'href="/staff/orders/\d+"', body))


class Recorder:
    """Every SQL statement with its parameters and duration, while active."""

    def __init__(self, engine):
        self.engine, self.statements, self._started = engine, [], {}

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters, time.perf_counter() - self._started.pop(id(cursor), 0)))

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def explain(app, statements) -> list[dict]:
    """EXPLAIN QUERY PLAN of each SELECT/UPDATE/DELETE, with its full table scans and temp-B-tree sorts."""
    from portal.extensions import db

    found = []
    with app.app_context(), db.engine.connect() as conn:
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


def measure_page(app, engine, clients, scenario, runs: int) -> dict:
    """A checked warm-up with its SQL recorded, then `runs` timed requests."""
    client = clients[scenario["email"]]
    with Recorder(engine) as recorder:
        response = client.get(scenario["url"])
    if response.status_code != 200:
        raise SystemExit(f"{scenario['url']} as {scenario['who']}: {response.status_code}")
    shown = rows_shown(scenario, response.get_data(as_text=True))
    plans = explain(app, recorder.statements)
    gc.collect()
    latencies, cpu = [], []
    began = time.perf_counter()
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(scenario["url"]).close()
        latencies.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    elapsed = time.perf_counter() - began
    return dict(scenario, shown=shown, queries=len(recorder.statements), plans=plans,
                slowest=max(plans, key=lambda p: p["ms"]) if plans else None,
                sql_ms=sum(s for _, _, s in recorder.statements) * 1000, p50=percentile(latencies, 50) * 1000,
                p95=percentile(latencies, 95) * 1000, max=max(latencies) * 1000, rps=runs / elapsed,
                cpu50=percentile(cpu, 50) * 1000, cpu95=percentile(cpu, 95) * 1000)


def measure_webhooks(app, engine, deliveries) -> dict:
    """Post every delivery once, in order; the first create and update are recorded for their SQL."""
    client = app.test_client()
    latencies, outcomes, plans, queries = {"orders/create": [], "orders/updated": []}, {}, {}, {}
    gc.collect()
    began, began_cpu = time.perf_counter(), time.process_time()
    for delivery in deliveries:
        topic = delivery["topic"]
        recorder = Recorder(engine) if topic not in queries else None
        started = time.perf_counter()
        if recorder:
            with recorder:
                response = client.post(delivery["url"], data=delivery["raw"], headers=delivery["headers"],
                                       content_type="application/json")
        else:
            response = client.post(delivery["url"], data=delivery["raw"], headers=delivery["headers"],
                                   content_type="application/json")
        latencies[topic].append(time.perf_counter() - started)
        outcome = response.get_json().get("outcome") if response.status_code == 200 else response.status_code
        outcomes[(topic, outcome)] = outcomes.get((topic, outcome), 0) + 1
        if recorder:
            queries[topic] = recorder.statements
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    for topic, statements in queries.items():
        plans[topic] = explain(app, statements)
    every = latencies["orders/create"] + latencies["orders/updated"]
    result = {"count": len(deliveries), "seconds": elapsed, "rps": len(deliveries) / elapsed, "cpu_s": cpu,
              "p50": percentile(every, 50) * 1000, "p95": percentile(every, 95) * 1000, "outcomes": outcomes,
              "queries": {t: len(s) for t, s in queries.items()}, "plans": plans}
    for topic, values in latencies.items():
        if values:
            result[topic] = {"p50": percentile(values, 50) * 1000, "p95": percentile(values, 95) * 1000,
                             "max": max(values) * 1000}
    wrong = {k: v for k, v in outcomes.items() if k[1] not in ("created", "updated")}
    if wrong:
        raise SystemExit(f"unexpected webhook outcomes: {wrong}")
    return result


def short(sql: str, width: int = 120) -> str:
    return " ".join(sql.split())[:width]


def print_plan(label: str, plan: dict) -> None:
    flag = "FULL SCAN of " + ", ".join(plan["full"]) if plan["full"] else (
        "scan of " + ", ".join(plan["scanned"]) if plan["scanned"] else ("sort" if plan["sorts"] else "ok"))
    print(f"  [{flag}] {label} ({plan['ms']:.2f} ms): {short(plan['sql'])}")
    for detail in plan["plan"]:
        print(f"      {detail}")


def report(args, meta, migrate_s, results, hooks) -> None:
    rows = meta["rows"]
    print(f"\nOrders: {rows['shop_order']:,} orders, {rows['order_item']:,} items, {rows['shipment']:,} shipments, "
          f"{rows['refund']:,} refunds, {meta['customers']:,} customers ({meta['accounts']:,} accounts), seed "
          f"{meta['seed']}; {args.runs} runs per page; Flask test client, one warm process, SQLite")
    print(f"(migrations on the copy: {migrate_s:.1f} s; load average at the end: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)\n")
    print(f"{'who':<9}{'page':<30}{'rows':>5}{'SQL':>5}{'SQL ms':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
          f"{'req/s':>7}{'cpu p50':>9}{'cpu p95':>9}  goal")
    for r in results:
        verdict = "ok" if r["p95"] < r["goal"] else "MISSED"
        print(f"{r['who']:<9}{r['page']:<30}{r['shown']:>5}{r['queries']:>5}{r['sql_ms']:>8.2f}{r['p50']:>9.2f}"
              f"{r['p95']:>9.2f}{r['max']:>9.2f}{r['rps']:>7.0f}{r['cpu50']:>9.2f}{r['cpu95']:>9.2f}"
              f"  p95 < {r['goal']:g} ms: {verdict}")
    print("(SQL ms: time inside the database for the captured request; cpu: this process's CPU time per request,"
          " less sensitive to other load on the machine than the wall-clock p50/p95.)")
    print("\nsearch terms: " + "; ".join(f"{r['page'][8:]} = {r['q']!r}" for r in results if "q" in r))
    print(f"\nWebhooks: {hooks['count']:,} signed Shopify deliveries in {hooks['seconds']:.1f} s = "
          f"{hooks['rps']:.0f} requests/s; per request p50 {hooks['p50']:.2f} ms, p95 {hooks['p95']:.2f} ms; "
          f"CPU {hooks['cpu_s']:.1f} s ({hooks['cpu_s'] * 1000 / hooks['count']:.2f} ms per request)")
    for topic in ("orders/create", "orders/updated"):
        if topic in hooks:
            t = hooks[topic]
            print(f"  {topic:<15} p50 {t['p50']:6.2f} ms  p95 {t['p95']:6.2f} ms  max {t['max']:6.2f} ms  "
                  f"{hooks['queries'].get(topic, 0)} SQL statements")
    print("  outcomes: " + ", ".join(f"{t} {o}: {n}" for (t, o), n in sorted(hooks["outcomes"].items())))
    print("\nQuery plans of the pages (every statement; scans of other tables are small lookups):")
    seen = set()
    for r in results:
        for plan in r["plans"]:
            if plan["sql"] in seen and not plan["full"]:
                continue
            seen.add(plan["sql"])
            print_plan(f"{r['who']} / {r['page']}", plan)
    print("\nQuery plans of the webhook path (statements that scan or sort only):")
    for topic, plans in hooks["plans"].items():
        for plan in plans:
            if plan["scanned"] or plan["sorts"]:
                print_plan(topic, plan)
    full = sorted({f"{r['who']}/{r['page']}" for r in results for p in r["plans"] if p["full"]} |
                  {t for t, plans in hooks["plans"].items() for p in plans if p["full"]})
    print(f"\nfull scans of {', '.join(WATCHED)}: {', '.join(full) or 'none'}")
    missed = [f"{r['who']}/{r['page']}" for r in results if r["p95"] >= r["goal"]]
    print(f"pages over their p95 goal: {', '.join(missed) or 'none'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Orders benchmark: webhooks, portal pages, staff search.")
    parser.add_argument("--orders", type=int, default=100_000, help="database size (default 100,000)")
    parser.add_argument("--runs", type=int, default=100, help="timed requests per page (default 100)")
    parser.add_argument("--webhooks", type=int, default=2_000, help="deliveries to post (default 2,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the database even if it matches")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    meta = generate_orders.ensure_database(args.orders, args.seed, args.regenerate)
    folder, migrate_s = fresh_copy(args.orders)
    app = make_app(folder)
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    plan = scenarios(app, meta)
    deliveries = shopify_deliveries.deliveries(app, meta, args.webhooks, args.seed)
    clients = {email: logged_in(app, email) for email in dict.fromkeys(s["email"] for s in plan)}
    results = [measure_page(app, engine, clients, scenario, args.runs) for scenario in plan]
    hooks = measure_webhooks(app, engine, deliveries)
    report(args, meta, migrate_s, results, hooks)
    if args.json:
        keep = ("who", "page", "url", "shown", "queries", "sql_ms", "p50", "p95", "max", "rps", "cpu50", "cpu95", "goal")
        args.json.write_text(json.dumps({"pages": [{k: r[k] for k in keep} for r in results],
                                         "webhooks": {k: v for k, v in hooks.items() if k not in ("plans", "outcomes")}},
                                        indent=1, default=str))


if __name__ == "__main__":
    main()
