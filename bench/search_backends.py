"""Run: .venv/bin/python bench/search_backends.py [--docs 220000] [--runs 30] [--seed 1]
                                                 [--backends whoosh,sqlite,postgresql] [--keep DIR]
                                                 [--database-url postgresql+psycopg://...]

Search backends side by side in one warm process, through the index API the app uses
(portal.search.create_index), without Flask or a database. Generates N forum-like posts, mixed
English/French (questions, and about ten answers each, from bench/community_text.py, rendered to
plain text like portal/forum/indexing.py does), then for each backend: times rebuild() of the whole
set, one-document upserts, and search p50/p95 for common words, rare words and typos (forum search:
kinds question+answer, 10 hits per page with highlighted snippets) and suggest() prefixes.
Prints one table; the index folders are removed unless --keep. The postgresql backend runs in
--database-url, or in a private cluster started for the run (tests/postgres_server.py) and removed after;
its CPU columns count only this process (the server's work is in the wall time).
"""
import argparse
import gc
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common  # first: it puts the repository root on sys.path (bench/ is there already)
import community_text as text

CATEGORIES = {"product-questions": 34, "sizing-and-fit": 24, "shipping-and-delivery": 30, "ideas-and-feedback": 12}
KINDS = ("question", "answer")
COMMON, RARE = text.COMMON_QUERIES, text.RARE_QUERIES  # the words of bench/community.py
TYPOS = {"en": ["delivry", "refnud", "trakcing number", "seersuker"],
         "fr": ["livraisn", "rembourssement", "comande", "Chamonis"]}
PREFIXES = {"en": ["de", "deli", "size g", "ref", "wool j", "track", "is the m", "runs sm"],
            "fr": ["li", "livr", "tai", "rembo", "laine", "comm", "point re", "numéro de s"]}
COLUMNS = [("backend", "<10", "backend"), ("scenario", "<28", "scenario"), ("first p50", ">9.2f", "first50"),
           ("first p95", ">9.2f", "first95"), ("p50 ms", ">8.2f", "p50"), ("p95 ms", ">8.2f", "p95"),
           ("max ms", ">8.2f", "max"), ("cpu p50", ">8.2f", "cpu50"), ("cpu p95", ">8.2f", "cpu95"),
           ("min hits", ">8", "hits")]


def load_or_generate(count: int, seed: int) -> list[dict]:
    """generate(), kept in bench/data/ (ignored by git) so a rerun skips it."""
    cache = common.DATA_ROOT / f"search-posts-{count}-{seed}.pickle"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    docs = generate(count, seed)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
    return docs


def generate(count: int, seed: int) -> list[dict]:
    """`count` search documents: questions, each followed by ~10 answers, 30% in French."""
    from portal.markup import markdown_to_text

    rng, docs, qid, aid = random.Random(seed), [], 0, 0
    slugs, weights = list(CATEGORIES), list(CATEGORIES.values())
    while len(docs) < count:
        qid += 1
        slug, lang = rng.choices(slugs, weights)[0], "fr" if rng.random() < 0.3 else "en"
        title, body = text.question_text(rng, slug, lang)
        tags = sorted(set(rng.sample(text.TAGS[slug], rng.randint(0, 3))))
        url = f"/community/q/{qid}"
        docs.append({"id": f"question:{qid}", "kind": "question", "lang": lang, "slug": str(qid), "title": title,
                     "tags": tags, "summary": "", "body": markdown_to_text(body), "category": slug, "url": url})
        accepted = rng.random() < 0.4
        for n in range(min(int(rng.expovariate(1 / 10)), count - len(docs))):
            aid += 1
            docs.append({"id": f"answer:{aid}", "kind": "answer", "lang": lang, "slug": str(aid), "title": title,
                         "tags": tags, "summary": "accepted" if accepted and n == 0 else "",
                         "body": markdown_to_text(text.answer_text(rng, lang, rng.random() < 0.03)),
                         "category": slug, "url": f"{url}#a{aid}"})
    return docs


def timed(fn, runs: int) -> list[tuple[float, float]]:
    """(wall, CPU of this thread) milliseconds of each of `runs` calls: on a busy machine the
    wall time also counts waiting for a core, the CPU time only the work."""
    out = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.thread_time()
        fn()
        out.append(((time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000))
    return out


def scenarios(index) -> dict:
    """name -> list of zero-argument calls, each one search or suggest as the forum makes it."""
    def search(q, lang):
        return lambda: index.search(q, lang=lang, kinds=KINDS, per_page=10)

    def suggest(q, lang):
        return lambda: index.suggest(q, lang=lang, kinds=KINDS, limit=5)

    each = lambda words, make: [make(q, lang) for lang in ("en", "fr") for q in words[lang]]  # noqa: E731
    return {"search common": each(COMMON, search), "search rare": each(RARE, search),
            "search typo": each(TYPOS, search),
            "search common, any language": [search(q, None) for q in COMMON["en"][:5] + COMMON["fr"][:5]],
            "suggest": each(PREFIXES, suggest)}


def measure(backend: str, docs: list[dict], runs: int, folder: Path, database_url=None) -> dict:
    from portal.search import create_index

    index = create_index(backend, str(folder / backend), writer_timeout=30, database_url=database_url)
    gc.collect()
    started = time.perf_counter()
    index.rebuild(iter(docs))
    rebuild_s = time.perf_counter() - started
    size = _database_size(database_url) if backend == "postgresql" else subprocess.run(
        ["du", "-sh", str(folder / backend)], capture_output=True, text=True).stdout.split()[0]
    result = {"backend": backend, "rebuild_s": rebuild_s, "docs": index.doc_count(), "size": size}
    calls = scenarios(index)
    # The first time each query runs (nothing of it cached yet), then `runs` more rounds of the group.
    result["first"] = {name: [timed(call, 1)[0][0] for call in group] for name, group in calls.items()}
    result["timings"] = {name: [ms for _ in range(runs) for call in group for ms in timed(call, 1)]
                         for name, group in calls.items()}
    result["hits"] = {name: min(_total(call()) for call in group) for name, group in calls.items()}
    edits = [dict(docs[i], body=docs[i]["body"] + " zanzibar") for i in range(1, 21)]
    result["upsert_ms"] = [timed(lambda d=d: index.upsert([d]), 1)[0][0] for d in edits]
    result["edit_found"] = index.search("zanzibar", kinds=KINDS, per_page=100).total
    return result


def _database_size(database_url) -> str:
    """The PostgreSQL index's tables and indexes (every comptoir_search_gen_* schema)."""
    import psycopg

    from portal.search.postgres_backend import connection_url

    with psycopg.connect(connection_url(database_url)) as conn:
        return conn.execute(
            "SELECT pg_size_pretty(coalesce(sum(pg_total_relation_size(c.oid)), 0)) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname LIKE 'comptoir_search_gen_%' AND c.relkind = 'r'").fetchone()[0]


def _total(found) -> int:
    return found.total if hasattr(found, "total") else len(found)


def report(args, results: list[dict], generate_s: float) -> None:
    print(f"\nSearch backends, {args.docs} forum posts "
          f"(seed {args.seed}, generated or loaded in {generate_s:.0f} s), {args.runs} runs per query, one warm process\n")
    print("first: each query's first run; then every query again, --runs times (wall and CPU time)\n")
    print(common.header(COLUMNS, sep=" "))
    for r in results:
        for name, values in r["timings"].items():
            wall, cpu, first = [w for w, _ in values], [c for _, c in values], r["first"][name]
            line = {"backend": r["backend"], "scenario": name, "first50": common.percentile(first, 50),
                    "first95": common.percentile(first, 95), "p50": common.percentile(wall, 50),
                    "p95": common.percentile(wall, 95), "max": max(wall), "cpu50": common.percentile(cpu, 50),
                    "cpu95": common.percentile(cpu, 95), "hits": r["hits"][name]}
            print(common.row(COLUMNS, line, sep=" "))
    print()
    for r in results:
        upsert = r["upsert_ms"]
        print(f"{r['backend']:10} rebuild {r['rebuild_s']:6.1f} s for {r['docs']} docs, index {r['size']} on disk; "
              f"upsert of one post p50 {common.percentile(upsert, 50):.1f} ms, p95 {common.percentile(upsert, 95):.1f}"
              f" ms; edited posts found: {r['edit_found']}/20")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=220_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backends", default="whoosh,sqlite")
    parser.add_argument("--keep", type=Path, help="build the indexes in DIR and keep them")
    parser.add_argument("--database-url", help="PostgreSQL database of the postgresql backend "
                        "(default: a private cluster for this run)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    docs = load_or_generate(args.docs, args.seed)
    generate_s = time.perf_counter() - started
    folder = args.keep or Path(tempfile.mkdtemp(prefix="search-backends-"))
    folder.mkdir(parents=True, exist_ok=True)
    server, database_url = None, args.database_url
    try:
        if "postgresql" in args.backends.split(",") and not database_url:
            from tests.postgres_server import PostgresServer

            server = PostgresServer(tempfile.mkdtemp(prefix="search-backends-pg-")).start()
            server.execute("CREATE DATABASE bench_search")
            database_url = server.url("bench_search")
        results = []
        for backend in args.backends.split(","):
            results.append(measure(backend, docs, args.runs, folder, database_url))
            print(f"{backend}: rebuilt in {results[-1]['rebuild_s']:.1f} s", file=sys.stderr, flush=True)
        report(args, results, generate_s)
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
