"""Run: .venv/bin/python bench/community.py [--questions 20000] [--runs 50] [--backends whoosh,sqlite]
                                         [--seed 1] [--regenerate] [--reuse-index]

Community benchmark in one warm process. Builds (or reuses) the database of bench/generate_community.py
under bench/data/community-N/, upgrades it through the real migrations, then for each search backend
builds an app with SEARCH_BACKEND set (its index under search-<backend>/), times the full reindex
(portal.kb.cli.rebuild_index) and forum search for common and rare words in English and French. The
category list (sort=activity, pages 1 and 50, plus the other sorts and the last page) and a question
page with 20 answers (anonymous and logged in) are timed once, with the first app. Prints p50/p95
against the goals, the SQL count per page and EXPLAIN QUERY PLAN of every statement, flagging scans
of forum tables. --reuse-index skips the rebuild when an index is already there (quick reruns).
"""
import argparse
import gc
import os
import re
import time

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import community_text
import generate_community

GOALS_MS = {"list": 30.0, "question": 30.0, "search": 100.0}
REINDEX_GOAL_S = 180.0
CATEGORY = "product-questions"  # the largest starter category
DEEP_PAGE = 50
COMMON, RARE = community_text.COMMON_QUERIES, community_text.RARE_QUERIES  # the words searched for
# EXPLAIN QUERY PLAN: "SCAN t" reads every row; "SCAN t USING [COVERING] INDEX i" walks a whole index
# (fine when a LIMIT stops it early, a full read otherwise); "SEARCH t USING INDEX i (...)" reads a range.
USING_INDEX = re.compile(r"^USING (?:COVERING )?INDEX (\w+)")
SMALL_TABLES = ("forum_category",)
TIMES = [*common.TIMING_COLUMNS, ("1st", ">8.2f", "first"), *common.CPU_COLUMNS]
PAGE_COLUMNS = [("page", "<30", "name"), *common.SQL_COLUMNS, *TIMES]
SEARCH_COLUMNS = [("backend", "<9", "backend"), ("queries", "<20", "name"), ("hits", ">5", "hits"),
                  ("SQL", ">5", "queries"), *TIMES]


def build_app(folder, backend: str):
    return common.client_app(folder, SEARCH_BACKEND=backend, SEARCH_INDEX_PATH=str(folder / f"search-{backend}"))


def available_backends() -> list[str]:
    from portal import search

    return list(getattr(search, "BACKENDS", {"whoosh": None}))


def reindex(app, reuse: bool) -> dict:
    """Time rebuild_index() (or reuse a built index), and count the documents."""
    from portal.extensions import db
    from portal.kb.cli import rebuild_index
    from portal.search import get_index

    with app.app_context():
        if reuse and get_index().doc_count():
            return {"seconds": None, "docs": get_index().doc_count()}
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        rebuild_index()
        seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        docs = get_index().doc_count()
        db.session.remove()
    return {"seconds": seconds, "cpu": cpu, "docs": docs}


def page_scenarios(app, meta) -> list[dict]:
    """The list and question pages: (name, group, url, client)."""
    from portal.extensions import db
    from portal.forum.models import ForumCategory, Question
    from portal.forum.queries import PER_PAGE
    from portal.forum.services import question_slug

    with app.app_context():
        question = db.session.get(Question, meta["long_thread_id"])
        url = f"/community/q/{question.id}-{question_slug(question)}"
        category = db.session.query(ForumCategory).filter_by(slug=CATEGORY).one()
        last = max(1, -(-category.question_count // PER_PAGE))
        db.session.remove()
    base = f"/community/c/{CATEGORY}"
    out = [{"name": "list activity p1", "group": "list", "url": f"{base}?sort=activity"},
           {"name": f"list activity p{DEEP_PAGE}", "group": "list", "url": f"{base}?sort=activity&page={DEEP_PAGE}"},
           {"name": f"list activity p{last} (last)", "group": None, "url": f"{base}?sort=activity&page={last}"},
           {"name": "list newest p1", "group": None, "url": f"{base}?sort=newest"},
           {"name": "list votes p1", "group": None, "url": f"{base}?sort=votes"},
           {"name": "list unanswered p1", "group": None, "url": f"{base}?sort=unanswered"},
           {"name": "community home", "group": None, "url": "/community/"},
           {"name": "question, 20 answers", "group": "question", "url": url},
           {"name": "question, logged in", "group": "question", "url": url, "member": True}]
    return out


def explain(app, statements) -> list[dict]:
    """common.explain with each scan as (table, index walked or None)."""
    plans = common.explain(app, statements)
    for plan in plans:
        plan["scans"] = [(t, m.group(1) if (m := USING_INDEX.match(rest)) else None) for t, rest in plan["scans"]]
    return plans


def timed(client, urls, runs, headers=None) -> dict:
    """`runs` passes over `urls` after one untimed pass; latency percentiles over every request."""
    first = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        first.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
    return dict(common.time_requests(client, urls * runs, headers), first=sum(first) / len(first) * 1000)


def measure_page(app, clients, scenario, runs) -> dict:
    client = clients["member" if scenario.get("member") else "anonymous"]
    body, statements = common.checked_capture(app, client, scenario["url"])
    shown = body.count('class="question-row"') + body.count('<article class="answer')
    plans = explain(app, statements)
    return dict(scenario, shown=shown, queries=len(statements), plans=plans,
                sql_ms=common.sql_seconds(statements) * 1000, **timed(client, [scenario["url"]], runs))


def search_scenarios() -> list[dict]:
    from urllib.parse import quote

    out = []
    for kind, words in (("common", COMMON), ("rare", RARE)):
        for lang in ("en", "fr"):
            out.append({"name": f"search {kind} {lang}", "group": "search", "lang": lang,
                        "urls": [f"/community/search?q={quote(w)}" for w in words[lang]]})
    return out


def measure_search(app, client, scenario, runs) -> dict:
    headers = {"Accept-Language": scenario["lang"]}
    hits, queries = [], 0
    for url in scenario["urls"]:
        response, statements = common.capture(app, client, url, headers)
        body = response.get_data(as_text=True)
        hits.append(body.count("<li><a href="))
        queries = max(queries, len(statements))
    result = timed(client, scenario["urls"], max(3, runs // 5), headers)
    return dict(scenario, hits=min(hits), queries=queries, **result)


def report(args, meta, pages, searches, reindexes) -> None:
    rows = meta["rows"]
    print(f"\nCommunity: {rows['questions']:,} questions, {rows['answers']:,} answers, {rows['comments']:,} comments, "
          f"{rows['votes']:,} votes, {meta['users']:,} members (seed {meta['seed']}); Flask test client, one warm "
          f"process, SQLite; load average (1 min) at start / end: {args.load_start:.2f} / {os.getloadavg()[0]:.2f}\n")
    print(common.header(PAGE_COLUMNS) + "  goal p95")
    for r in pages:
        goal = GOALS_MS.get(r["group"])
        goal_text = f"< {goal:g}" if goal else ""
        print(common.row(PAGE_COLUMNS, r) + f"  {goal_text:<6} {common.verdict(r['p95'], goal)}")
    print(f"\nForum search ({max(3, args.runs // 5)} passes over each query list; 'hits': fewest on page 1 of any "
          "query)")
    print(common.header(SEARCH_COLUMNS) + "  goal p95")
    for r in searches:
        goal = GOALS_MS["search"]
        print(common.row(SEARCH_COLUMNS, r) + f"  < {goal:g}  {common.verdict(r['p95'], goal)}")
    print("(1st: mean of the untimed first pass; cpu: this process's CPU time per request, which other")
    print(" processes on the machine do not inflate)")
    print("\nFull reindex (portal.kb.cli.rebuild_index):")
    for backend, r in reindexes.items():
        took = "reused (--reuse-index)" if r["seconds"] is None else (
            f"{r['seconds']:.1f} s ({r['cpu']:.1f} s CPU)  goal < {REINDEX_GOAL_S:g} s  "
            f"{common.verdict(r['seconds'], REINDEX_GOAL_S)}")
        print(f"  {backend:<8}{r['docs']:>9,} documents  {took}")
    print("\nQuery plans: every statement of the measured pages that scans a forum table or the user table,")
    print("or sorts in a temp B-tree (first page that runs it):")
    seen, flagged = set(), []
    for r in pages:
        for plan in r["plans"]:
            key = " ".join(plan["sql"].split())
            if key in seen:
                continue
            seen.add(key)
            scans = [(t, i) for t, i in plan["scans"] if t.startswith("forum_") or t == "user"]
            if not scans and not plan["sorts"]:
                continue
            full = [t for t, i in scans if i is None and t not in SMALL_TABLES]
            flagged += full
            label = ", ".join(f"SCAN {t}" + (f" USING INDEX {i}" if i else "") for t, i in scans) or "sort"
            common.print_plan(label, r["name"], plan)
    print(f"\nfull scans (no index) of forum tables or user: {', '.join(sorted(set(flagged))) or 'none'}")
    missed = [r["name"] for r in pages if GOALS_MS.get(r["group"]) and r["p95"] >= GOALS_MS[r["group"]]]
    missed += [f"{r['backend']} {r['name']}" for r in searches if r["p95"] >= GOALS_MS["search"]]
    missed += [f"{b} reindex" for b, r in reindexes.items() if r["seconds"] and r["seconds"] >= REINDEX_GOAL_S]
    print(f"goals missed: {', '.join(missed) or 'none'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Community benchmark: lists, question page, search, reindex.")
    parser.add_argument("--questions", type=int, default=20_000, help="database size (answers 10x, members 2.5x)")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per page (search: runs/5 passes)")
    parser.add_argument("--backends", default="", help="comma-separated (default: every available backend)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the database even if it matches")
    parser.add_argument("--reuse-index", action="store_true", help="skip the reindex when an index exists")
    args = parser.parse_args(argv)
    args.load_start = os.getloadavg()[0]

    meta = generate_community.ensure_database(args.questions, args.seed, args.regenerate)
    folder = generate_community.data_dir(args.questions)
    backends = [b for b in args.backends.split(",") if b] or available_backends()
    pages, searches, reindexes = [], [], {}
    for n, backend in enumerate(backends):
        app = build_app(folder, backend)
        print(f"[{backend}] reindexing…", flush=True)
        reindexes[backend] = reindex(app, args.reuse_index)
        print(f"[{backend}] {reindexes[backend]}", flush=True)
        anonymous = app.test_client()
        if n == 0:
            clients = {"anonymous": anonymous, "member": common.log_in(app, meta["member_email"])}
            pages = [measure_page(app, clients, s, args.runs) for s in page_scenarios(app, meta)]
        searches += [dict(measure_search(app, anonymous, s, args.runs), backend=backend) for s in search_scenarios()]
        with app.app_context():
            from portal.extensions import db
            from portal.search import get_index

            get_index().close()
            db.engine.dispose()
    report(args, meta, pages, searches, reindexes)


if __name__ == "__main__":
    main()
