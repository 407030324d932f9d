"""Run: .venv/bin/python bench/api.py [--tickets 1000000] [--runs 50] [--creates 300] [--seed 1] [--regenerate]

REST API benchmark in one warm process. Builds (or reuses) the database of bench/generate_tickets.py, copies
it to bench/data/api-N/ (ticket creation writes to it; the queue benchmark's database stays as it was),
upgrades it through the migrations and mints personal access tokens through portal.api.services for a
manager, an agent whose scope is all tickets, one whose scope is their groups and one who sees only their
own. Then, with the Flask test client and `Authorization: Bearer`, it times GET /api/v1/tickets (first
page, newest first, a deep cursor page, each filter) and POST /api/v1/tickets (each a new ticket with
tags and a priority, without and with a group, half of them with an Idempotency-Key), and prints p50/p95
and req/s against the goals (list p95 < 30 ms, create p95 < 50 ms), the SQL per request and EXPLAIN QUERY
PLAN of every list statement, flagging full table scans.
"""
import argparse
import gc
import shutil
import time
from datetime import timedelta

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import generate_tickets

LIST_GOAL_MS, CREATE_GOAL_MS = 30.0, 50.0
WHO = {"manager": "manager01@comptoir.test", "agent": "agent01@comptoir.test",  # agent01: scope all
       "agent-grp": "agent09@comptoir.test", "agent-own": "agent16@comptoir.test"}
COLUMNS = [("who", "<10", "who"), ("request", "<34", "label"), *common.SQL_COLUMNS, *common.TIMING_COLUMNS,
           *common.CPU_COLUMNS]


def prepare(tickets: int, seed: int, regenerate: bool):
    """The app on a fresh copy of the ticket database, with a token per user in WHO: (app, secrets, meta)."""
    meta = generate_tickets.ensure_database(tickets, seed, regenerate)
    source, folder = generate_tickets.data_dir(tickets), common.data_dir("api", tickets)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    shutil.copy(source / "portal.db", folder / "portal.db")
    print(f"copied {source / 'portal.db'} in {time.perf_counter() - started:.1f} s")
    app = common.client_app(folder, API_RATE_PER_MINUTE=10_000_000)
    with app.app_context():
        from sqlalchemy import select

        from portal.accounts.models import User
        from portal.api import services
        from portal.extensions import db
        from portal.permissions import grantable_scopes

        secrets = {}
        for who, email in WHO.items():
            user = db.session.scalar(select(User).where(User.email == email))
            secrets[who] = services.create_token(user=user, name="bench", scopes=grantable_scopes(user))[1]
        db.session.commit()
        db.session.remove()
    return app, secrets, meta


def list_scenarios(app, secrets) -> list[dict]:
    """Each measured list request: who asks, a label, the URL."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.tickets.models import Ticket

    with app.app_context():
        requester = db.session.scalar(select(Ticket.requester_email).where(Ticket.id == 4242))
        latest = db.session.scalar(select(func.max(Ticket.updated_at)))
        db.session.remove()
    since = (latest - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    client = app.test_client()
    year_back = (latest - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    deep = client.get(f"/api/v1/tickets?limit=100&updated_since={year_back}",
                      headers=auth(secrets["manager"])).get_json()["next_cursor"]
    out = [("manager", "first page (50)", "/api/v1/tickets"),
           ("manager", "newest first", "/api/v1/tickets?order=-updated_at"),
           ("manager", "100 per page", "/api/v1/tickets?limit=100"),
           ("manager", "deep page (cursor, a year back)", f"/api/v1/tickets?cursor={deep}"),
           ("manager", "status=open", "/api/v1/tickets?status=open"),
           ("manager", "priority=high & tag", "/api/v1/tickets?priority=high&tag=late-delivery"),
           ("manager", "status=new & group=1", "/api/v1/tickets?status=new&group=1"),
           ("manager", "assignee=none & status=open", "/api/v1/tickets?assignee=none&status=open"),
           ("manager", "channel=chat", "/api/v1/tickets?channel=chat"),
           ("manager", "tag=fraud-check (1%)", "/api/v1/tickets?tag=fraud-check"),
           ("manager", "requester=<email>", f"/api/v1/tickets?requester={requester}"),
           ("manager", "updated_since=7 days", f"/api/v1/tickets?updated_since={since}"),
           ("agent", "first page", "/api/v1/tickets"),
           ("agent", "assignee=me, newest first", "/api/v1/tickets?assignee=me&order=-updated_at"),
           ("agent-grp", "first page", "/api/v1/tickets"),
           ("agent-grp", "status=open", "/api/v1/tickets?status=open"),
           ("agent-own", "first page", "/api/v1/tickets"),
           ("agent-own", "newest first", "/api/v1/tickets?order=-updated_at")]
    return [{"who": who, "label": label, "url": url} for who, label, url in out]


def auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def measure_list(app, secrets, scenario, runs: int) -> dict:
    client, headers = app.test_client(), auth(secrets[scenario["who"]])
    response, statements = common.capture(app, client, scenario["url"], headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"{scenario['url']}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    plans = [dict(p, full=[t for t, rest in p["scans"] if not rest and t.startswith("ticket")])
             for p in common.explain(app, statements)]
    sql = []
    with common.recording(app) as timed:
        def tally():
            sql.append(common.sql_seconds(timed))
            timed.clear()

        figures = common.time_requests(client, [scenario["url"]] * runs, headers=headers, after_each=tally)
    return dict(scenario, shown=len(response.get_json()["data"]), queries=len(statements), plans=plans,
                sql_ms=common.percentile(sql, 50) * 1000, **figures)


def measure_create(app, secrets, count: int, *, group: bool) -> dict:
    """POST /api/v1/tickets `count` times as the manager: each a new requester, with tags and a priority, and
    with `group` a group (whose members are then alerted by mail, as for a ticket from any channel)."""
    client, headers = app.test_client(), auth(secrets["manager"])
    statements_per = []
    gc.collect()
    latencies, cpu = [], []
    began = time.perf_counter()
    for n in range(count):
        body = {"subject": f"Bench parcel {n}", "body": "My parcel has not arrived yet, tracking stopped.",
                "requester": {"email": f"bench{n}-{group}@example.com", "name": f"Bench {n}"}, "priority": "high",
                "tags": ["late-delivery", "bench"], **({"group_id": 1 + n % 5} if group else {})}
        extra = {"Idempotency-Key": f"bench-{group}-{n}"} if n % 2 else {}
        with common.recording(app) as statements:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.post("/api/v1/tickets", json=body, headers={**headers, **extra})
            latencies.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        if response.status_code != 201:
            raise SystemExit(f"create {n}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        statements_per.append(len(statements))
        response.close()
    figures = common.summary(latencies, cpu, time.perf_counter() - began)
    label = f"POST /tickets x{count}" + (" + group" if group else "")
    return dict(figures, who="manager", label=label, shown=1,
                queries=common.percentile(statements_per, 50), sql_ms=0.0)


def report(args, meta, lists, creates) -> None:
    print(f"\nREST API: {meta['tickets']:,} tickets (seed {meta['seed']}), {args.runs} runs per list request, "
          "Flask test client, one warm process, SQLite\n")
    print(common.header(COLUMNS) + "  verdict")
    for r in lists:
        print(common.row(COLUMNS, r) + f"  {common.verdict(r['p95'], LIST_GOAL_MS)} (p95 < {LIST_GOAL_MS:g} ms)")
    for create in creates:
        print(common.row(COLUMNS, create) + f"  {common.verdict(create['p95'], CREATE_GOAL_MS)} "
              f"(p95 < {CREATE_GOAL_MS:g} ms)")
    print("(SQL: statements per request, counting the token lookup, the rate-limit count and insert and the commits;")
    print(" SQL ms: median time inside the database per request; create SQL is the median statement count. A ticket")
    print(" with a group also mails the group's agents: its job rows go to the worker's queue after the commit.)")
    print("\nQuery plans of the list requests (the slowest statement of each), and every ticket-table scan:")
    for r in lists:
        slowest = max(r["plans"], key=lambda p: p["ms"])
        print(f"  {r['who']} / {r['label']}: {slowest['ms']:.2f} ms  {' | '.join(slowest['plan'])}")
    scans = {p["sql"]: (r, p) for r in lists for p in r["plans"] if p["full"]}
    for r, plan in scans.values():
        common.print_plan("FULL SCAN", f"{r['who']} / {r['label']}", plan, digits=1, width=110)
    missed = [f"{r['who']}/{r['label']}" for r in lists if r["p95"] >= LIST_GOAL_MS]
    print(f"\nfull scans of ticket tables: {len(scans) or 'none'}; list requests over {LIST_GOAL_MS:g} ms p95: "
          f"{', '.join(missed) or 'none'}; create p95 " + ", ".join(f"{c['p95']:.1f} ms" for c in creates))


def main(argv=None):
    parser = argparse.ArgumentParser(description="REST API latency benchmark (ticket list and create).")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="database size (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per list request (default 50)")
    parser.add_argument("--creates", type=int, default=300, help="tickets created through the API (default 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the ticket database even if it matches")
    args = parser.parse_args(argv)
    app, secrets, meta = prepare(args.tickets, args.seed, args.regenerate)
    lists = [measure_list(app, secrets, scenario, args.runs) for scenario in list_scenarios(app, secrets)]
    creates = [measure_create(app, secrets, args.creates, group=group) for group in (False, True)]
    report(args, meta, lists, creates)


if __name__ == "__main__":
    main()
