"""Run: .venv/bin/python bench/sla.py [--tickets 200000] [--sample 2000] [--runs 30] [--keep]

SLA due times on a copy of the bench/generate_tickets.py database (bench/data/sla-N/, so the original stays
as it is), upgraded through the migrations, with `last_customer_message_at` filled in from the messages (the
generator writes none) so next-response targets apply. Set-up through the real services: a Paris calendar
(Monday-Friday 09:00-18:00, French public holidays) as the default, a Saturday calendar for the Shipping
group, and four policies (urgent, chat, Shipping, everything else) with warning and breach actions.

1. Per ticket: sla.recompute() as the ticket_changed hook runs it (policies from the process's snapshot,
   calendars looked up per ticket) on `--sample` unsolved tickets of every status and channel, loaded
   beforehand. A first pass on tickets without due times (as after a new policy), then a second pass on
   the same tickets (as on every later change). p50/p95/max wall and CPU, tickets per second; goal p95 < 1 ms.
2. The whole unsolved backlog through the `sla.recompute_open` job (what saving a policy queues), batch
   after batch with their commits: tickets per second.
3. The queue sorted by SLA due time (GET /staff/tickets/?view=...&sort=sla) for a manager and an agent of
   two groups, first page and a later one, and the view's first page in the default order to compare,
   `--runs` times each: p50/p95 and EXPLAIN QUERY PLAN (a full scan of a big table is flagged).
"""
import argparse
import gc
import random
import re
import shutil
import time
from datetime import timedelta

import common
import generate_tickets

GOAL_MS = 1.0
PARIS = {str(day): "09:00-18:00" for day in range(5)}
SATURDAY = {**PARIS, "5": "10:00-16:00"}


def prepare(tickets: int):
    """The copy, upgraded, with last customer messages filled in; returns (app, folder)."""
    generate_tickets.ensure_database(tickets, 1, False)
    source = generate_tickets.data_dir(tickets)
    work = common.DATA_ROOT / f"sla-{tickets}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copy(source / "portal.db", work / "portal.db")
    app = common.client_app(work, QUEUE_IMMEDIATE=False)
    with app.app_context():
        from portal.extensions import db

        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE ticket SET last_customer_message_at = (SELECT max(m.created_at) FROM ticket_message m "
                "WHERE m.ticket_id = ticket.id AND m.author_kind = 'customer' AND m.kind = 'public') "
                "WHERE status IN ('new', 'open', 'pending', 'on_hold')")
    return app, work


def install(app) -> dict:
    """Calendars and policies through the settings services; returns the group ids by name."""
    from sqlalchemy import select

    from portal.automation import sla_settings as settings
    from portal.extensions import db
    from portal.tickets.models import TicketGroup

    with app.app_context():
        groups = {g.name: g.id for g in db.session.scalars(select(TicketGroup))}
        settings.save_calendar(name="Paris office", timezone="Europe/Paris", hours=PARIS, country="FR",
                               is_default=True)
        settings.save_calendar(name="Warehouse", timezone="Europe/Paris", hours=SATURDAY, country="FR",
                               group_id=groups["Shipping"])
        settings.save_policy(name="Urgent", first="1h", next_="2h", resolution="8h", priorities=["urgent"],
                             warn_before="15m", warn_actions=["notify_assignee"],
                             breach_actions=["notify_managers", "add_tag"], breach_tag="sla-urgent")
        settings.save_policy(name="Chat", first="10m", next_="15m", resolution="1d", channels=["chat"],
                             warn_actions=["notify_group"], breach_actions=["raise_priority"])
        settings.save_policy(name="Shipping", first="4h", next_="8h", resolution="3d", group_ids=[groups["Shipping"]],
                             warn_actions=["notify_assignee"], breach_actions=["notify_group", "raise_priority"])
        settings.save_policy(name="Standard", first="4h", next_="24h", resolution="48h",
                             warn_actions=["notify_assignee"], breach_actions=["notify_group", "raise_priority"])
        db.session.commit()
    return groups


def sample_ids(app, count: int, rng) -> list[int]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tickets.models import UNSOLVED, Ticket

    with app.app_context():
        ids = list(db.session.scalars(select(Ticket.id).where(Ticket.status.in_(UNSOLVED))))
    return sorted(rng.sample(ids, min(count, len(ids))))


def per_ticket(app, ids: list[int], now) -> list[tuple[str, list[float], list[float], dict]]:
    """Two passes of sla.recompute over the same loaded tickets: (name, wall, CPU, what the tickets got)."""
    from sqlalchemy import select

    from portal.automation import sla
    from portal.extensions import db
    from portal.tickets.models import Ticket

    passes = []
    with app.app_context():
        tickets = list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))))
        sla._policies()  # the snapshot every process holds after its first ticket event
        for name in ("first (no due times yet)", "again (due times kept)"):
            gc.collect()
            wall, cpu = [], []
            for ticket in tickets:
                started, started_cpu = time.perf_counter(), time.process_time()
                sla.recompute(ticket, now=now)
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            got = {"with a target": sum(1 for t in tickets if t.sla_due_at),
                   "overdue": sum(1 for t in tickets if t.sla_due_at and t.sla_due_at < now)}
            passes.append((name, wall, cpu, got))
        db.session.rollback()  # the job below computes them for real
    return passes


def backlog(app) -> tuple[int, float]:
    """The whole unsolved backlog through sla.recompute_open, one batch (and commit) after another."""
    from sqlalchemy import select

    from portal.automation import sla_settings
    from portal.extensions import db
    from portal.jobs.models import Job
    from portal.tickets.models import UNSOLVED, Ticket

    with app.app_context():
        total = db.session.query(Ticket).filter(Ticket.status.in_(UNSOLVED)).count()
        after, started = 0, time.perf_counter()
        while after is not None:
            sla_settings.recompute_open(after_id=after)
            job = db.session.scalar(select(Job).where(Job.task == "sla.recompute_open")
                                    .order_by(Job.id.desc()).limit(1))
            next_after = (job.args or {}).get("after_id") if job else None
            after = next_after if next_after and next_after > after else None
        seconds = time.perf_counter() - started
    return total, seconds


def queue_pages(app, meta: dict, runs: int) -> tuple[list[dict], int]:
    """Timings of the SLA-sorted queue pages; returns (rows, statements reading a whole big table)."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.tickets.access import scope_owners

    with app.app_context():
        agents = db.session.scalars(select(User).where(User.id.in_(meta["agents"])).order_by(User.id)).all()
        grouped = next(a.email for a in agents if scope_owners(a) and any("group_id" in o for o in scope_owners(a)))
        manager = db.session.get(User, meta["managers"][0]).email
    people = [("manager", manager), ("agent-grp", grouped)]
    rows, scans = [], 0
    for who, email in people:
        client = common.log_in(app, email)
        for view in ("open", "unassigned", "groups", "mine"):
            first = f"/staff/tickets/?view={view}&sort=sla"
            body, statements = common.checked_capture(app, client, first, who)
            found = re.search(r'<a rel="next" href="([^"]+)"', body)
            urls = [("first page", first)]
            if found:
                urls.append(("page 2", found.group(1).replace("&amp;", "&")))
            urls.append(("default sort", f"/staff/tickets/?view={view}"))  # the same view as before, to compare
            for label, url in urls:
                body, statements = common.checked_capture(app, client, url, who)
                for plan in common.explain(app, statements):
                    full = [t for t, rest in plan["scans"] if t in ("ticket", "ticket_message", "ticket_event")]
                    if full:
                        scans += 1
                        common.print_plan("FULL SCAN", f"{who} {view} {label}", plan)
                timing = common.time_requests(client, [url] * runs)
                rows.append({"who": who, "page": f"{view} {label}", "queries": len(statements),
                             "sql_ms": common.sql_seconds(statements) * 1000,
                             "shown": body.count('name="ids"'), **timing})
    return rows, scans


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep bench/data/sla-N/ afterwards")
    args = parser.parse_args(argv)
    rng = random.Random(1)
    started = time.perf_counter()
    app, work = prepare(args.tickets)
    install(app)
    meta = generate_tickets.ensure_database(args.tickets, 1, False, log=lambda *_: None)
    print(f"copy of {args.tickets:,} tickets upgraded, 2 calendars and 4 policies installed "
          f"in {time.perf_counter() - started:.0f} s ({work})")
    now = generate_tickets.NOW + timedelta(minutes=1)
    ids = sample_ids(app, args.sample, rng)
    for name, wall, cpu, got in per_ticket(app, ids, now):
        p95 = common.percentile(wall, 95) * 1000
        print(f"recompute per ticket, {name}, {len(wall)} tickets ({got['with a target']} with a target, "
              f"{got['overdue']} overdue): p50 {common.percentile(wall, 50) * 1000:.3f} ms, p95 {p95:.3f} ms "
              f"[{common.verdict(p95, GOAL_MS)}], max {max(wall) * 1000:.2f} ms; CPU p50 "
              f"{common.percentile(cpu, 50) * 1000:.3f} ms, p95 {common.percentile(cpu, 95) * 1000:.3f} ms; "
              f"{len(wall) / sum(wall):,.0f} tickets/s")
    total, seconds = backlog(app)
    print(f"sla.recompute_open over the whole backlog: {total:,} unsolved tickets in {seconds:.1f} s "
          f"({total / seconds:,.0f} tickets/s, batches of 500 with their commits)")
    rows, scans = queue_pages(app, meta, args.runs)
    columns = [("who", "<10", "who"), ("page", "<24", "page"), *common.SQL_COLUMNS, *common.TIMING_COLUMNS]
    print(f"queue sorted by SLA due time, {args.runs} requests each ({scans} statements reading a whole big table):")
    print("  " + common.header(columns))
    for row in rows:
        print("  " + common.row(columns, row))
    common.checkpoint(app)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
