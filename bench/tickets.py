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
import math
import re

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import generate_tickets

GOAL_MS = 50.0
SLOW_SORT_MS = 20.0
PAGE = 500
FILTER = {"priority": "high", "tag": "late-delivery"}
WATCHED = ("ticket", "ticket_message", "ticket_event", "ticket_tag")
COLUMNS = [("who", "<9", "who"), ("page", "<22", "page"), *common.SQL_COLUMNS, *common.TIMING_COLUMNS,
           *common.CPU_COLUMNS]


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


def flag_scans(plan: dict) -> dict:
    """The plan with `scanned` (tables read whole, no index) and `full` (those of WATCHED)."""
    scanned = [table for table, rest in plan["scans"] if not rest]
    return dict(plan, scanned=scanned, full=[t for t in scanned if t in WATCHED])


def measure(app, clients, scenario, runs: int) -> dict:
    """A checked first request whose SQL is explained, then `runs` timed requests (SQL time summed per request)."""
    client = clients[scenario["email"]]
    body, statements = common.checked_capture(app, client, scenario["url"], scenario["who"])
    shown = rows_shown(scenario, body)
    plans = [flag_scans(plan) for plan in common.explain(app, statements)]
    sql = []
    with common.recording(app) as timed:
        def tally():
            sql.append(common.sql_seconds(timed))
            timed.clear()

        figures = common.time_requests(client, [scenario["url"]] * runs, after_each=tally)
    slowest = max(plans, key=lambda p: p["ms"]) if plans else None
    return dict(scenario, shown=shown, queries=len(statements), plans=plans, slowest=slowest,
                sql_ms=common.percentile(sql, 50) * 1000, **figures)


def report(args, meta, results) -> None:
    print(f"\nTicket queue: {meta['tickets']:,} tickets, {meta['rows']['messages']:,} messages, "
          f"{meta['rows']['events']:,} events (seed {meta['seed']}), {args.runs} runs per page, "
          "Flask test client, one warm process, SQLite\n")
    print(common.header(COLUMNS) + f"  verdict (p95 < {GOAL_MS:g} ms)")
    for r in results:
        print(common.row(COLUMNS, r) + f"  {common.verdict(r['p95'], GOAL_MS)}")
    print("(SQL: statements per request; SQL ms: median time inside the database per request; cpu: this process's")
    print(" CPU time per request, which other programs on the machine do not add to as they do to wall time.)")
    full_scans, other_scans = print_plans(results)
    missed = [f"{r['who']}/{r['page']}" for r in results if r["p95"] >= GOAL_MS]
    print(f"\nfull table scans of {', '.join(WATCHED)}: {len(full_scans) or 'none'}")
    print(f"other tables read whole (small lookups unless flagged above): {', '.join(sorted(other_scans)) or 'none'}")
    print(f"pages over {GOAL_MS:g} ms p95: {', '.join(missed) or 'none'}")


def print_plans(results) -> tuple[list, set]:
    """The slowest statement of each page, then every scan or slow sort; returns (full scans, other tables)."""
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
            common.print_plan(label, f"{r['who']} / {r['page']}", plan, digits=1, width=110)
    return full_scans, other_scans


def main(argv=None):
    parser = argparse.ArgumentParser(description="Ticket-queue latency benchmark.")
    parser.add_argument("--tickets", type=int, default=1_000_000, help="database size (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the database even if it matches")
    args = parser.parse_args(argv)

    meta = generate_tickets.ensure_database(args.tickets, args.seed, args.regenerate)
    app = common.client_app(generate_tickets.data_dir(args.tickets))
    plan = scenarios(app, meta)
    clients = {email: common.log_in(app, email) for email in dict.fromkeys(s["email"] for s in plan)}
    results = [measure(app, clients, scenario, args.runs) for scenario in plan]
    report(args, meta, results)


if __name__ == "__main__":
    main()
