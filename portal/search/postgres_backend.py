"""PostgresSearchIndex: the same search index as SearchIndex, in the site's PostgreSQL database.

For shops on several machines: every web and worker process, wherever it runs, shares one index.
Generations are schemas chosen by the `state` row that a rebuild replaces in one transaction, as
the Whoosh and SQLite backends swap their CURRENT file. Each thread keeps its own connection;
readers never wait, writers take an advisory lock for up to `writer_timeout` seconds and then
raise SearchIndexBusy. Tables, extensions and text search configurations are created on first use.
"""
import json
import os
import threading
from typing import Iterable

import psycopg
from psycopg import errors, sql
from sqlalchemy.engine import make_url

from .analysis import LANGUAGES, SUGGEST_MAX_GRAM, fold, words
from .generations import SearchIndexBusy, replayed
from .postgres_queries import Filters, PostgresPlan, corrections, rank, suggested
from .postgres_store import (
    JOURNAL_TABLE,
    LOCK_CLASS,
    POINTER_LOCK,
    REBUILD_LOCK,
    SETUP,
    SETUP_LOCK,
    STATE_SCHEMA,
    WRITE_LOCK,
    BulkLoader,
    PreparedDoc,
    create_generation,
    generation_names,
    lock,
    read_state,
    remove_documents,
    schema_sql,
    set_lock_timeout,
    update_spelling,
    upsert_documents,
)
from .queries import rewrite
from .results import MAX_PER_PAGE, MAX_QUERY_CHARS, MAX_RESULTS, MAX_SUGGEST_WORDS, SearchResults, as_int
from .schema import PUBLIC_FIELDS, index_language
from .sqlite_backend import _hits as hits_of  # the same SearchHit and snippet for a row's fields

ATTEMPTS = 5
_GONE = (errors.UndefinedTable, errors.InvalidSchemaName)  # a generation dropped by a rebuild


def connection_url(database_url) -> str:
    """The libpq URL of an SQLAlchemy PostgreSQL URL; ValueError for any other database."""
    try:
        url = make_url(str(database_url or ""))
    except Exception:
        url = None
    if url is None or url.get_backend_name() != "postgresql":
        backend = url.get_backend_name() if url is not None else "none"
        raise ValueError("SEARCH_BACKEND = 'postgresql' needs the site's database on PostgreSQL "
                         f"(SQLALCHEMY_DATABASE_URI / PORTAL_DATABASE_URL is {backend})")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresSearchIndex:
    """A full-text index in PostgreSQL, safe to share between threads, processes and machines.

    `base_path` is unused (the index lives in the database); it is kept for the common interface.
    """

    needs_database = True

    def __init__(self, base_path: str, *, writer_timeout: float = 10.0, database_url=None):
        self.base_path = str(base_path)
        self.writer_timeout = writer_timeout
        self._url = connection_url(database_url)
        self._local = threading.local()
        self._pid = os.getpid()
        self._epoch = 0
        self._inherited = []  # a forked worker keeps its parent's connections, unused
        self._ready = False

    # Connections

    def _connection(self) -> psycopg.Connection:
        if self._pid != os.getpid():  # forked worker: never use, nor close, the parent's connections
            self._inherited.append(self._local)
            self._pid, self._local, self._ready = os.getpid(), threading.local(), False
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or getattr(self._local, "epoch", None) != self._epoch:
            self._disconnect()
            conn = self._local.conn = psycopg.connect(self._url, autocommit=True)
            self._local.epoch = self._epoch
        if not self._ready:
            self._setup(conn)
        return conn

    def _disconnect(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and not conn.closed:
            conn.close()

    def close(self) -> None:
        """Close this thread's connection; other threads reopen theirs on their next call."""
        self._epoch += 1
        self._disconnect()

    def _setup(self, conn) -> None:
        """Extensions, configurations, the state row and a first generation, once per database."""
        with conn.transaction(), conn.cursor() as cur:
            set_lock_timeout(cur, self.writer_timeout)
            lock(cur, SETUP_LOCK)
            cur.execute(SETUP)
            lock(cur, POINTER_LOCK)
            if read_state(cur)[0] is None:
                name = create_generation(cur)
                cur.execute(f"UPDATE {STATE_SCHEMA}.state SET current = %s WHERE id = 1", (name,))
        self._ready = True

    def _read(self, query):
        """`query(cursor, generation)` in one read-only snapshot; run again after a swap."""
        for _ in range(ATTEMPTS):
            conn = self._connection()
            try:
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    return query(cur, read_state(cur)[0])
            except _GONE:
                continue  # a rebuild dropped the generation we had just read from the state
            except psycopg.OperationalError:
                self._disconnect()
                raise
        raise SearchIndexBusy("search index keeps changing generation")

    # Reading

    def doc_count(self) -> int:
        """Number of documents in the active generation."""
        def count(cur, schema):
            cur.execute(schema_sql("SELECT count(*) FROM {s}.docs", schema))
            return cur.fetchone()[0]
        return self._read(count)

    def search(self, query: str, *, lang: str | None = None, kinds: tuple[str, ...] = ("article",),
               category: str | None = None, page: int = 1, per_page: int = 10,
               highlight: bool = True) -> SearchResults:
        """Ranked, filtered, paginated hits for any user text; never raises on odd input.

        `lang=None` searches both languages, `kinds=()` every kind. Unknown words get a
        "Did you mean" suggestion, whose results are shown when the query found nothing.
        """
        text = query[:MAX_QUERY_CHARS] if isinstance(query, str) else ""
        page = max(1, as_int(page, 1))
        per_page = min(max(1, as_int(per_page, 10)), MAX_PER_PAGE)
        langs = (index_language(lang),) if lang else LANGUAGES
        limit = min(page * per_page, MAX_RESULTS)
        filters = Filters(lang=lang, kinds=tuple(map(str, kinds or ())), category=category)

        def find(cur, schema):
            plan, (total, top), suggestion, corrected = _ranked(cur, schema, text, langs, filters, limit)
            shown = top[(page - 1) * per_page: page * per_page]
            hits = hits_of(_stored(cur, schema, [docnum for docnum, _ in shown]), plan, shown, highlight)
            return SearchResults(hits=hits, total=total, page=page, per_page=per_page,
                                 pages=-(-total // per_page), query=text, suggestion=suggestion,
                                 corrected=corrected)
        return self._read(find)

    def suggest(self, text: str, *, lang: str | None = None, kinds=("article",),
                limit: int = 5) -> list[dict]:
        """As-you-type titles: each typed word is a prefix of a title word (tsquery prefix
        matches); earlier words become optional when that finds too few.
        Returns the stored fields of each title, without the body."""
        raw = text[:MAX_QUERY_CHARS] if isinstance(text, str) else ""
        prefixes = [fold(word)[:SUGGEST_MAX_GRAM] for word, _, _ in words(raw)][-MAX_SUGGEST_WORDS:]
        limit = min(max(0, as_int(limit, 5)), MAX_PER_PAGE)
        if not prefixes or not limit:
            return []
        langs = (index_language(lang),) if lang else LANGUAGES
        filters = Filters(lang=lang, kinds=tuple(map(str, kinds or ())))

        def titles(cur, schema):
            docnums = suggested(cur, schema, prefixes, langs, filters, limit)
            stored = _stored(cur, schema, docnums)
            return [{k: stored[d][k] for k in PUBLIC_FIELDS if k in stored[d]} for d in docnums]
        return self._read(titles)

    # Writing

    def upsert(self, docs: Iterable[dict]) -> None:
        """Add or replace documents by id in one commit; raises SearchIndexBusy on lock timeout."""
        docs = list({str(doc.get("id")): doc for doc in docs}.values())  # last one wins
        prepared = [PreparedDoc(doc) for doc in docs]
        if prepared:
            self._write(lambda cur, schema: upsert_documents(cur, schema, prepared),
                        {"op": "upsert", "docs": docs})

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id in one commit; unknown ids are ignored."""
        ids = [str(doc_id) for doc_id in ids]
        if ids:
            self._write(lambda cur, schema: update_spelling(cur, schema, remove_documents(cur, schema, ids)),
                        {"op": "delete", "ids": ids})

    def optimize(self) -> None:
        """Maintenance: VACUUM ANALYZE the active generation (GIN pending lists, statistics)."""
        schema = self._read(lambda cur, current: current)
        conn = self._connection()
        try:
            for table in ("docs", "words"):
                conn.execute(sql.SQL("VACUUM ANALYZE {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        except _GONE:
            pass  # a rebuild swapped in a fresh generation meanwhile

    def _write(self, apply, record: dict) -> None:
        conn = self._connection()
        try:
            with conn.transaction(), conn.cursor() as cur:
                set_lock_timeout(cur, self.writer_timeout)
                lock(cur, WRITE_LOCK)
                current, rebuilding = read_state(cur)
                if rebuilding and self._rebuild_alive(cur):
                    cur.execute(f"INSERT INTO {JOURNAL_TABLE} (record) VALUES (%s)",
                                (json.dumps(record, default=str),))
                apply(cur, current)
        except errors.LockNotAvailable:
            raise SearchIndexBusy(f"search index stayed locked for {self.writer_timeout}s") from None
        except psycopg.OperationalError:
            self._disconnect()
            raise

    @staticmethod
    def _rebuild_alive(cur) -> bool:
        """True while a rebuild runs; the marker of a crashed rebuild is cleared."""
        cur.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_CLASS, REBUILD_LOCK))
        if not cur.fetchone()[0]:
            return True
        cur.execute(f"UPDATE {STATE_SCHEMA}.state SET rebuilding = NULL WHERE id = 1")
        cur.execute(f"DELETE FROM {JOURNAL_TABLE}")
        return False

    def rebuild(self, docs: Iterable[dict]) -> None:
        """Index `docs` into a new generation and swap it in; searches use the old one meanwhile.

        Pass a lazy iterable: changes written by other processes once the rebuild has started
        are journaled and replayed, so they survive the swap.
        """
        self._connection()  # the setup, on this thread's connection
        conn = psycopg.connect(self._url, autocommit=True)
        try:
            with conn.cursor() as cur:
                set_lock_timeout(cur, self.writer_timeout, local=False)
                try:
                    lock(cur, REBUILD_LOCK, session=True)
                except errors.LockNotAvailable:
                    raise SearchIndexBusy(f"another rebuild ran for over {self.writer_timeout}s") from None
                self._rebuild_into(conn, cur, docs)
        finally:
            conn.close()  # also releases the rebuild lock

    def _rebuild_into(self, conn, cur, docs) -> None:
        with conn.transaction():
            new = create_generation(cur, indexed=False)
            cur.execute(f"UPDATE {STATE_SCHEMA}.state SET rebuilding = %s WHERE id = 1", (new,))
            cur.execute(f"DELETE FROM {JOURNAL_TABLE}")
        try:
            with conn.transaction():
                loader = BulkLoader(conn, new)
                for doc in docs:
                    loader.add(doc)
                loader.finish()
            self._swap_in(conn, cur, new)
        except BaseException:
            with conn.transaction():
                cur.execute(f"UPDATE {STATE_SCHEMA}.state SET rebuilding = NULL WHERE id = 1")
                cur.execute(f"DELETE FROM {JOURNAL_TABLE}")
                cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(new)))
            raise
        for name in generation_names(cur):
            if name != new:
                try:  # waits for readers still in the old generation, up to the lock timeout
                    cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
                except errors.LockNotAvailable:
                    pass  # removed by the next rebuild

    def _swap_in(self, conn, cur, new: str) -> None:
        """Block writers, replay their journal into `new`, point the state at it: one transaction."""
        try:
            with conn.transaction():
                lock(cur, WRITE_LOCK)
                cur.execute(f"SELECT record FROM {JOURNAL_TABLE} ORDER BY seq")
                final = replayed([json.loads(record) for (record,) in cur.fetchall()])
                if final:
                    update_spelling(cur, new, remove_documents(cur, new, list(final)))
                    upsert_documents(cur, new, [PreparedDoc(doc) for doc in filter(None, final.values())])
                cur.execute(f"UPDATE {STATE_SCHEMA}.state SET current = %s, rebuilding = NULL WHERE id = 1",
                            (new,))
                cur.execute(f"DELETE FROM {JOURNAL_TABLE}")
        except errors.LockNotAvailable:
            raise SearchIndexBusy(f"search index stayed locked for {self.writer_timeout}s") from None


def _ranked(cur, schema, text, langs, filters, limit):
    """(plan, (total, top), suggestion, corrected): the hits for `text`, or for its "Did you
    mean" suggestion when `text` found nothing and the suggestion finds something."""
    plan = PostgresPlan(cur, schema, text, langs)
    ranked = rank(cur, schema, plan, filters, limit)
    fixes = corrections(cur, schema, plan) if plan.unknown else {}
    suggestion = rewrite(text, fixes) if fixes else None
    if suggestion and not ranked[0]:
        retry = PostgresPlan(cur, schema, suggestion, langs)
        retried = rank(cur, schema, retry, filters, limit)
        if retried[0]:
            return retry, retried, suggestion, True
    return plan, ranked, suggestion, False


def _stored(cur, schema, docnums: list[int]) -> dict[int, dict]:
    if not docnums:
        return {}
    cur.execute(schema_sql("SELECT docnum, fields FROM {s}.docs WHERE docnum = ANY(%s)", schema), (docnums,))
    return {docnum: json.loads(fields) for docnum, fields in cur.fetchall()}
