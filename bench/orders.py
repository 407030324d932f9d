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
import contextlib
import gc
import json
import os
import re
import shutil
import time
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import generate_orders
import shopify_deliveries

PORTAL_GOAL_MS, STAFF_GOAL_MS = 30.0, 50.0
WATCHED = ("shop_order", "shipment", "order_item")
COLUMNS = [("who", "<9", "who"), ("page", "<30", "page"), *common.SQL_COLUMNS, *common.TIMING_COLUMNS,
           *common.CPU_COLUMNS]


def fresh_copy(orders: int) -> tuple[Path, float]:
    """A working copy of the generated database, upgraded through the migrations; returns (folder, seconds)."""
    source = generate_orders.data_dir(orders)
    folder = source / "run"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(source / "portal.db", folder / "portal.db")
    started = time.perf_counter()
    common.client_app(folder)
    return folder, time.perf_counter() - started


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


def flag_scans(plan: dict) -> dict:
    """The plan with `scanned` (tables read whole or by a whole index) and `full` (those of WATCHED)."""
    scanned = [table for table, rest in plan["scans"] if not rest or rest.startswith("USING ")]
    return dict(plan, scanned=scanned, full=[t for t in scanned if t in WATCHED])


def explain(app, statements) -> list[dict]:
    return [flag_scans(plan) for plan in common.explain(app, statements)]


def measure_page(app, clients, scenario, runs: int) -> dict:
    """A checked warm-up with its SQL recorded, then `runs` timed requests."""
    client = clients[scenario["email"]]
    body, statements = common.checked_capture(app, client, scenario["url"], scenario["who"])
    shown = rows_shown(scenario, body)
    plans = explain(app, statements)
    figures = common.time_requests(client, [scenario["url"]] * runs)
    return dict(scenario, shown=shown, queries=len(statements), plans=plans,
                slowest=max(plans, key=lambda p: p["ms"]) if plans else None,
                sql_ms=common.sql_seconds(statements) * 1000, **figures)


def measure_webhooks(app, deliveries) -> dict:
    """Post every delivery once, in order; the first create and update are recorded for their SQL."""
    client = app.test_client()
    latencies, outcomes, plans, queries = {"orders/create": [], "orders/updated": []}, {}, {}, {}
    gc.collect()
    began, began_cpu = time.perf_counter(), time.process_time()
    for delivery in deliveries:
        topic = delivery["topic"]
        first = topic not in queries
        started = time.perf_counter()
        with common.recording(app) if first else contextlib.nullcontext() as statements:
            response = client.post(delivery["url"], data=delivery["raw"], headers=delivery["headers"],
                                   content_type="application/json")
        latencies[topic].append(time.perf_counter() - started)
        outcome = response.get_json().get("outcome") if response.status_code == 200 else response.status_code
        outcomes[(topic, outcome)] = outcomes.get((topic, outcome), 0) + 1
        if first:
            queries[topic] = statements
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    for topic, statements in queries.items():
        plans[topic] = explain(app, statements)
    every = latencies["orders/create"] + latencies["orders/updated"]
    result = {"count": len(deliveries), "seconds": elapsed, "rps": len(deliveries) / elapsed, "cpu_s": cpu,
              "p50": common.percentile(every, 50) * 1000, "p95": common.percentile(every, 95) * 1000,
              "outcomes": outcomes, "queries": {t: len(s) for t, s in queries.items()}, "plans": plans}
    for topic, values in latencies.items():
        if values:
            result[topic] = {"p50": common.percentile(values, 50) * 1000,
                             "p95": common.percentile(values, 95) * 1000, "max": max(values) * 1000}
    wrong = {k: v for k, v in outcomes.items() if k[1] not in ("created", "updated")}
    if wrong:
        raise SystemExit(f"unexpected webhook outcomes: {wrong}")
    return result


def print_plan(label: str, plan: dict) -> None:
    flag = "FULL SCAN of " + ", ".join(plan["full"]) if plan["full"] else (
        "scan of " + ", ".join(plan["scanned"]) if plan["scanned"] else ("sort" if plan["sorts"] else "ok"))
    common.print_plan(flag, label, plan)


def report(args, meta, migrate_s, results, hooks) -> None:
    rows = meta["rows"]
    print(f"\nOrders: {rows['shop_order']:,} orders, {rows['order_item']:,} items, {rows['shipment']:,} shipments, "
          f"{rows['refund']:,} refunds, {meta['customers']:,} customers ({meta['accounts']:,} accounts), seed "
          f"{meta['seed']}; {args.runs} runs per page; Flask test client, one warm process, SQLite")
    print(f"(migrations on the copy: {migrate_s:.1f} s; load average at the end: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)\n")
    print(common.header(COLUMNS) + "  goal")
    for r in results:
        print(common.row(COLUMNS, r) + f"  p95 < {r['goal']:g} ms: {common.verdict(r['p95'], r['goal'])}")
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
    app = common.client_app(folder, migrate=False)
    plan = scenarios(app, meta)
    deliveries = shopify_deliveries.deliveries(app, meta, args.webhooks, args.seed)
    clients = {email: common.log_in(app, email) for email in dict.fromkeys(s["email"] for s in plan)}
    results = [measure_page(app, clients, scenario, args.runs) for scenario in plan]
    hooks = measure_webhooks(app, deliveries)
    report(args, meta, migrate_s, results, hooks)
    if args.json:
        keep = ("who", "page", "url", "shown", "queries", "sql_ms", "p50", "p95", "max", "rps", "cpu50", "cpu95", "goal")
        args.json.write_text(json.dumps({"pages": [{k: r[k] for k in keep} for r in results],
                                         "webhooks": {k: v for k, v in hooks.items() if k not in ("plans", "outcomes")}},
                                        indent=1, default=str))


if __name__ == "__main__":
    main()
