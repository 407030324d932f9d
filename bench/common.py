"""What the benchmark scripts in bench/ share: the app on an instance folder, generated databases kept
in bench/data/<name>-<N>/, SQL capture with EXPLAIN QUERY PLAN, request timing, and plain-text tables.

Scripts run as `.venv/bin/python bench/<script>.py`: Python puts bench/ on sys.path, so `import common`
works, and importing it puts the repository root there too, so `import portal` works.
"""
import argparse
import contextlib
import gc
import io
import json
import math
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_ROOT = ROOT / "bench" / "data"  # gitignored
PASSWORD = "correct-horse-9"  # of every account the generators make
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))  # after bench/, which a script run from there has at sys.path[0]

# Settings of an app that the Flask test client drives: forms without CSRF tokens, url_for outside requests.
CLIENT_CONFIG = {"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"}


# --- app and databases -------------------------------------------------------------------------------

def make_app(folder: Path, **config):
    """create_app on the instance folder `folder` (its portal.db), with no mail and `config` on top."""
    from portal import create_app

    return create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "MAIL_SERVER": None, **config})


def client_app(folder: Path, *, migrate: bool = True, **config):
    """make_app set up for the test client; upgraded through the migrations unless migrate=False.

    A database generated before a new migration gets that migration's indexes here.
    """
    app = make_app(folder, **CLIENT_CONFIG, **config)
    if migrate:
        upgrade(app)
    return app


def upgrade(app, *, quiet: bool = False) -> None:
    """Run the real migrations; quiet drops alembic's INFO lines (it logs to stderr)."""
    from flask_migrate import upgrade as flask_upgrade

    with app.app_context(), contextlib.redirect_stderr(io.StringIO()) if quiet else contextlib.nullcontext():
        flask_upgrade()


def data_dir(name: str, size: int) -> Path:
    """bench/data/<name>-<size>/: one folder per size, so a quick small run does not replace the large one."""
    return DATA_ROOT / f"{name}-{size}"


def ensure_database(folder: Path, wanted: dict, build, *, what: str, regenerate: bool = False, log=print,
                    summary=lambda meta: meta["rows"]) -> dict:
    """The database in `folder`, reused when its meta.json holds `wanted`, else built; returns meta.json.

    Building empties the folder, migrates a new portal.db and calls build(app) for the rest of the meta
    (with "rows"); `what` ("20,000 tickets") and wanted["seed"] go in the log lines.
    """
    meta_file, database = folder / "meta.json", folder / "portal.db"
    if not regenerate and meta_file.exists() and database.exists():
        meta = json.loads(meta_file.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            log(f"reusing {database} ({what}, seed {wanted['seed']})")
            return meta
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    app = make_app(folder)
    upgrade(app)
    log(f"generating {what} (seed {wanted['seed']}) into {database}")
    meta = dict(wanted, **build(app))
    checkpoint(app)
    meta["seconds"] = round(time.perf_counter() - started, 1)
    meta_file.write_text(json.dumps(meta, indent=1))
    log(f"done in {meta['seconds']} s: {summary(meta)}")
    return meta


def generator_main(argv, ensure, *, description: str, size: str, default: int, help: str | None = None) -> None:
    """The command line of a generator: --<size> N --seed S --regenerate, then ensure(N, S, regenerate)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(f"--{size}", type=int, default=default, help=help)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild even if a matching database exists")
    args = parser.parse_args(argv)
    ensure(getattr(args, size), args.seed, args.regenerate)


def checkpoint(app) -> None:
    """Fold the WAL into portal.db and close the pool, so a copy of the file alone is the whole database."""
    from portal.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()


def log_in(app, email: str, password: str = PASSWORD):
    """A test client logged in through POST /login; exits if the login fails."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code not in (302, 303):
        raise SystemExit(f"login as {email} failed: {response.status_code}")
    return client


# --- SQL ------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def recording(app):
    """Every SQL statement run inside the block, appended to the yielded list as (sql, parameters, seconds)."""
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


def capture(app, client, url: str, headers=None):
    """One GET with its SQL recorded: (response, statements)."""
    with recording(app) as statements:
        response = client.get(url, headers=headers)
    return response, statements


def checked_capture(app, client, url: str, who: str | None = None):
    """capture() of a page that must answer 200 (else exit): (body text, statements)."""
    response, statements = capture(app, client, url)
    if response.status_code != 200:
        raise SystemExit(f"{url}{f' as {who}' if who else ''}: {response.status_code}")
    return response.get_data(as_text=True), statements


def sql_seconds(statements) -> float:
    return sum(seconds for _, _, seconds in statements)


# "SCAN t" reads every row, "SCAN t USING [COVERING] INDEX i" walks a whole index, "SEARCH t USING ..." a range.
_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?(.*)$")


def explain(app, statements) -> list[dict]:
    """EXPLAIN QUERY PLAN of each SELECT/UPDATE/DELETE/WITH statement.

    Each: sql, ms (its recorded time), plan (the detail lines), scans ((table, rest) of every SCAN of a real
    table, rest "" for a full scan or e.g. "USING COVERING INDEX ix") and sorts (the temp B-tree lines).
    """
    from portal.extensions import db

    found = []
    with app.app_context(), db.engine.connect() as conn:
        # Only real tables: "SCAN anon_1" is the walk over a subquery's own (small) result.
        tables = {name for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for sql, params, seconds in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                continue
            details = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
            scans = [(m.group(1), m.group(2).strip()) for d in details
                     if (m := _SCAN.match(d)) and m.group(1) in tables]
            found.append({"sql": sql, "ms": seconds * 1000, "plan": details, "scans": scans,
                          "sorts": [d for d in details if d.startswith("USE TEMP B-TREE")]})
    return found


def short(sql: str, width: int = 120) -> str:
    """The statement on one line, cut to `width` characters."""
    return " ".join(sql.split())[:width]


def print_plan(flag: str, where: str, plan: dict, *, digits: int = 2, width: int = 120) -> None:
    """`  [flag] where (ms): sql` and the plan's detail lines under it."""
    print(f"  [{flag}] {where} ({plan['ms']:.{digits}f} ms): {short(plan['sql'], width)}")
    for detail in plan["plan"]:
        print(f"      {detail}")


# --- timing -----------------------------------------------------------------------------------------------

def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def time_requests(client, urls, headers=None, after_each=None) -> dict:
    """GET each of `urls` in turn (after a gc.collect()), timing each: wall and process CPU seconds.

    Returns the figures of summary(); after_each() runs between requests, outside the timing.
    """
    gc.collect()
    latencies, cpu = [], []
    began = time.perf_counter()
    for url in urls:
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url, headers=headers).close()
        latencies.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if after_each:
            after_each()
    return summary(latencies, cpu, time.perf_counter() - began)


def summary(latencies, cpu, elapsed: float) -> dict:
    """p50, p95, max, cpu50, cpu95 in milliseconds and rps (requests per second of `elapsed`)."""
    return {"p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000,
            "max": max(latencies) * 1000, "rps": len(latencies) / elapsed,
            "cpu50": percentile(cpu, 50) * 1000, "cpu95": percentile(cpu, 95) * 1000}


def verdict(value, goal) -> str:
    """"ok" under the goal, "MISSED" at or over it, "-" without one."""
    return "-" if goal is None else ("ok" if value < goal else "MISSED")


# --- tables -------------------------------------------------------------------------------------------------

# What a page's first request ran: rows listed, SQL statements and their time (per request).
SQL_COLUMNS = [("rows", ">5", "shown"), ("SQL", ">5", "queries"), ("SQL ms", ">8.2f", "sql_ms")]
# The timing columns of summary(), in the order the page tables print them.
TIMING_COLUMNS = [("p50 ms", ">9.2f", "p50"), ("p95 ms", ">9.2f", "p95"), ("max ms", ">9.2f", "max"),
                  ("req/s", ">7.0f", "rps")]
CPU_COLUMNS = [("cpu p50", ">9.2f", "cpu50"), ("cpu p95", ">9.2f", "cpu95")]


def header(columns, sep: str = "") -> str:
    """The titles of `columns` ((title, format spec, key)), aligned and as wide as the values."""
    return sep.join(format(title, re.match(r"[<>^]?\d*", spec).group()) for title, spec, _ in columns)


def row(columns, record, sep: str = "") -> str:
    """One line of `record`'s values under header(columns); a key may be a function of the record."""
    return sep.join(format(key(record) if callable(key) else record[key], spec) for _, spec, key in columns)
