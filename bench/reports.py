"""Run: .venv/bin/python bench/reports.py [--tickets 1000000] [--runs 20] [--searches 300000] [--seed 1]

Reports benchmark in one warm process. Copies the database of bench/generate_tickets.py into
bench/data/reports-N/ (the ticket benchmark's own copy stays as it is), gives it the reports tables through
the migrations, adds help-center searches over the two years (so the self-service report has something to
read), times `portal reports rebuild` (facts, rollups, counters), then, logged in through POST /login as a
manager and as an agent, times every report page for the last 30 days and the last 365 days, with one filter
(read from its rollup) and with two (read from the ticket facts of the period). Prints p50/p95 against the
200 ms goal and the SQL per page; then streams the CSV exports of a year (a report per day, and every ticket)
and prints their peak Python memory (tracemalloc) and time; then compares the medians and 90th percentiles
read from the rollups' histograms with the exact ones computed from the facts.
"""
import argparse
import contextlib
import random
import shutil
import sqlite3
import time
import tracemalloc
from datetime import date, datetime, timedelta

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import generate_tickets

GOAL_MS = 200.0
END = date(2026, 11, 30)  # the generator's NOW
MANAGER, AGENT = "manager01@comptoir.test", "agent01@comptoir.test"
REPORTS = ("dashboard", "volume", "times", "sla", "csat", "agents", "self-service")
COLUMNS = [("who", "<8", "who"), ("page", "<40", "page"), ("SQL", ">5", "queries"), ("SQL ms", ">8.2f", "sql_ms"),
           *common.TIMING_COLUMNS, *common.CPU_COLUMNS]
QUERY_WORDS = ("refund", "delivery", "colissimo", "return label", "size guide", "gift card", "promo code",
               "exchange", "lost parcel", "track order", "invoice", "cancel order", "damaged", "wrong item")


def prepare(tickets: int, seed: int, searches: int, log=print):
    """bench/data/reports-N/portal.db: a copy of the ticket database with the reports tables and searches."""
    meta = generate_tickets.ensure_database(tickets, seed, log=log)
    source = generate_tickets.data_dir(tickets) / "portal.db"
    folder = common.data_dir("reports", tickets)
    target = folder / "portal.db"
    if not target.exists():  # kept between runs (delete the folder to start again from the ticket database)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log(f"copying {source} to {target}")
        shutil.copy(source, target)
    app = common.client_app(folder, migrate=False)
    _migrate(app, target)
    _add_searches(target, searches, seed, log)
    return app, meta, folder


def _migrate(app, path) -> None:
    """Upgrade; a database generated while the reports migration was still empty is stamped back first."""
    from flask_migrate import stamp

    with sqlite3.connect(path) as conn:
        has = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'report_ticket'").fetchone()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if not has and version:
        with app.app_context():
            stamp(revision="d4a7c1e9b2f6")
    try:
        with _foreign_keys_off(app):
            common.upgrade(app, quiet=True)
    except Exception as exc:  # another feature's migration half-applied on this copy: the reports need theirs only
        print(f"  migrations stopped ({type(exc).__name__}: {str(exc)[:120]}); creating the reports tables directly")
        from portal.extensions import db
        from portal.reports import models

        with app.app_context():
            tables = [m.__table__ for m in vars(models).values() if getattr(m, "__tablename__", "").startswith("report")]
            db.metadata.create_all(db.engine, tables=tables)


@contextlib.contextmanager
def _foreign_keys_off(app):
    """Migrate this copy with SQLite's foreign keys off: a batch migration that rebuilds the user table would
    otherwise check every row of the tables that point at it (hours at this size), for a copy nothing else uses."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from portal import database
    from portal.extensions import db

    def pragmas(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    with app.app_context():
        db.engine.dispose()
    event.remove(Engine, "connect", database._sqlite_pragmas)
    event.listen(Engine, "connect", pragmas)
    try:
        yield
    finally:
        event.remove(Engine, "connect", pragmas)
        event.listen(Engine, "connect", database._sqlite_pragmas)
        with app.app_context():
            db.engine.dispose()


def _add_searches(path, count: int, seed: int, log) -> None:
    with sqlite3.connect(path) as conn:
        have = conn.execute("SELECT count(*) FROM search_log").fetchone()[0]
        if have >= count:
            return
        rng = random.Random(f"{seed}-searches")
        start = datetime(2026, 11, 30, 12) - timedelta(days=730)
        rows = []
        for _ in range(count - have):
            words = rng.sample(QUERY_WORDS, rng.choice((1, 1, 2)))
            query = " ".join(words) + ("" if rng.random() < 0.7 else f" {rng.randrange(5000)}")
            moment = start + timedelta(seconds=rng.uniform(0, 730 * 86400))
            rows.append((query, "fr" if rng.random() < 0.3 else "en", 0 if rng.random() < 0.18 else rng.randrange(1, 9),
                         "search", moment.strftime("%Y-%m-%d %H:%M:%S.%f")))
        conn.executemany("INSERT INTO search_log (query, lang, result_count, source, created_at) VALUES (?, ?, ?, ?, ?)",
                         rows)
        log(f"added {len(rows):,} help-center searches")


def rebuild(app) -> dict:
    from portal.reports import rollups

    with app.app_context():
        started = time.perf_counter()
        result = rollups.rebuild(log=lambda m: print("  " + m))
        result["seconds"] = time.perf_counter() - started
        from portal.extensions import db

        result["day_rows"] = db.session.execute(db.text("SELECT count(*) FROM report_day")).scalar()
        db.session.remove()
    return result


def scenarios(app) -> list[dict]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tickets.models import TicketGroup

    with app.app_context():
        group = db.session.scalar(select(TicketGroup.id).order_by(TicketGroup.id).limit(1))
        db.session.remove()
    month = f"period=custom&from={END - timedelta(days=29)}&to={END}"
    year = f"period=custom&from={END - timedelta(days=364)}&to={END}"
    out = []
    for name in REPORTS:
        out.append({"who": "manager", "page": f"{name}, 30 days", "url": f"/staff/reports/{name}?{month}"})
    for name in REPORTS:
        out.append({"who": "manager", "page": f"{name}, 365 days", "url": f"/staff/reports/{name}?{year}"})
    for name in ("dashboard", "volume", "agents"):
        out.append({"who": "manager", "page": f"{name}, 30 d, channel", "url": f"/staff/reports/{name}?{month}&channel=email"})
        out.append({"who": "manager", "page": f"{name}, 30 d, tag", "url": f"/staff/reports/{name}?{month}&tag=damaged"})
        out.append({"who": "manager", "page": f"{name}, 30 d, channel+group",
                    "url": f"/staff/reports/{name}?{month}&channel=email&group={group}"})
    out.append({"who": "manager", "page": "dashboard, 365 d, channel+group",
                "url": f"/staff/reports/dashboard?{year}&channel=email&group={group}"})
    for name in ("dashboard", "volume", "agents"):
        out.append({"who": "agent", "page": f"{name}, 30 days", "url": f"/staff/reports/{name}?{month}"})
        out.append({"who": "agent", "page": f"{name}, 365 days", "url": f"/staff/reports/{name}?{year}"})
    return out


def measure(app, clients, scenario, runs: int) -> dict:
    client = clients[scenario["who"]]
    _body, statements = common.checked_capture(app, client, scenario["url"], scenario["who"])
    sql = []
    with common.recording(app) as timed:
        def tally():
            sql.append(common.sql_seconds(timed))
            timed.clear()

        figures = common.time_requests(client, [scenario["url"]] * runs, after_each=tally)
    return dict(scenario, queries=len(statements), sql_ms=common.percentile(sql, 50) * 1000, **figures)


def stream_csv(client, url: str) -> dict:
    """Read a CSV export chunk by chunk as a browser would; peak Python memory while it streams."""
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    lines = size = 0
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(data)
        lines += data.count(b"\n")
    response.close()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"url": url, "streamed": response.is_streamed, "lines": lines, "mb": size / 1e6,
            "peak_mb": peak / 1e6, "seconds": time.perf_counter() - started}


def accuracy(app) -> list[dict]:
    """Rollup (histogram) estimates against the exact percentiles of the facts, over 30 and 365 days."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.reports import service
    from portal.reports.filters import for_days
    from portal.reports.models import ReportTicket as F

    out = []
    with app.app_context():
        for days in (30, 365):
            start = END - timedelta(days=days - 1)
            got = service.figures("times", for_days(start, END))["summary"]
            for metric, column, day in (("frt", F.frt_seconds, F.first_reply_day),
                                        ("resolution", F.resolution_seconds, F.solved_day)):
                values = sorted(db.session.scalars(select(column).where(day.between(start, END), column.is_not(None))))
                for p in (50, 90):
                    position = (len(values) - 1) * p / 100
                    low = int(position)
                    high = min(low + 1, len(values) - 1)
                    exact = values[low] + (values[high] - values[low]) * (position - low)
                    estimate = got[f"{metric}_{'median' if p == 50 else 'p90'}"]["value"]
                    out.append({"days": days, "metric": f"{metric} p{p}", "count": len(values), "exact": exact,
                                "estimate": estimate, "error": abs(estimate - exact) / exact * 100 if exact else 0})
        db.session.remove()
    return out


def refresh_cost(app, changed: int = 50) -> dict:
    """What the worker's minute costs: `changed` recent tickets noted as changed, then one refresh."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.reports import rollups
    from portal.reports.models import ReportPending
    from portal.tickets.models import Ticket

    with app.app_context():
        ids = db.session.scalars(select(Ticket.id).order_by(Ticket.id.desc()).limit(changed)).all()
        db.session.add_all([ReportPending(ticket_id=i) for i in ids])
        db.session.commit()
        started = time.perf_counter()
        result = rollups.refresh()
        db.session.commit()
        result["seconds"] = time.perf_counter() - started
        db.session.remove()
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Reports latency benchmark.")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--searches", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-rebuild", action="store_true", help="reuse the rollups of an earlier run")
    parser.add_argument("--only", help="time only the pages whose name contains this text (e.g. channel+group)")
    args = parser.parse_args(argv)

    app, meta, _folder = prepare(args.tickets, args.seed, args.searches)
    if not args.skip_rebuild:
        built = rebuild(app)
        print(f"\nrebuild: {built['tickets']:,} tickets -> {built['day_rows']:,} rollup rows in {built['seconds']:.0f} s")
    clients = {"manager": common.log_in(app, MANAGER), "agent": common.log_in(app, AGENT)}
    chosen = [s for s in scenarios(app) if not args.only or args.only in s["page"]]
    results = [measure(app, clients, s, args.runs) for s in chosen]
    print(f"\nReports: {meta['tickets']:,} tickets (seed {meta['seed']}), {args.runs} runs per page, Flask test client, "
          "one warm process, SQLite\n")
    print(common.header(COLUMNS) + f"  verdict (p95 < {GOAL_MS:g} ms)")
    for r in results:
        print(common.row(COLUMNS, r) + f"  {common.verdict(r['p95'], GOAL_MS)}")
    year = f"period=custom&from={END - timedelta(days=364)}&to={END}"
    print("\nCSV exports of a year, streamed (peak = Python allocations while streaming, tracemalloc):")
    for name in ("dashboard", "tickets"):
        r = stream_csv(clients["manager"], f"/staff/reports/export/{name}.csv?{year}")
        print(f"  {name:10} streamed={r['streamed']} {r['lines']:>9,} lines {r['mb']:8.1f} MB in {r['seconds']:6.1f} s,"
              f" peak {r['peak_mb']:.1f} MB")
    print("\nPercentiles from the rollups' histograms against the exact ones (seconds of business time):")
    for r in accuracy(app):
        print(f"  {r['days']:>3} days {r['metric']:15} n={r['count']:>7,} exact {r['exact']:>10.0f} "
              f"estimate {r['estimate']:>10} error {r['error']:.2f} %")
    cost = refresh_cost(app)
    print(f"\nworker refresh after 50 changed tickets: {cost['tickets']} tickets, {cost['days']} days of rollups "
          f"in {cost['seconds'] * 1000:.0f} ms")
    missed = [f"{r['who']}/{r['page']}" for r in results if r["p95"] >= GOAL_MS]
    print(f"\npages over {GOAL_MS:g} ms p95: {', '.join(missed) or 'none'}")


if __name__ == "__main__":
    main()
