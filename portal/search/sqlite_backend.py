"""SqliteSearchIndex: the same search index as SearchIndex, on SQLite FTS5, for large communities.

One database (WAL) per generation directory under `<base_path>/sqlite/`, chosen by a CURRENT
pointer that a rebuild replaces atomically, exactly like the Whoosh generations. Each thread
keeps its own connection; readers never wait for writers, writers wait for each other up to
`writer_timeout` (SQLite's busy timeout) and then raise SearchIndexBusy.
"""
import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

from .analysis import LANGUAGES, SUGGEST_MAX_GRAM, fold, words
from .generations import REBUILD_LOCK, SearchIndexBusy, replayed
from .queries import rewrite
from .results import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    MAX_SUGGEST_WORDS,
    SearchHit,
    SearchResults,
    as_int,
)
from .schema import PUBLIC_FIELDS, index_language
from .snippets import highlight, indexed_text, plain_snippet
from .sqlite_queries import Facets, Filters, SqlitePlan, corrections, rank, suggested
from .sqlite_store import (
    BulkLoader,
    PreparedDoc,
    SqliteGenerations,
    connect,
    remove_documents,
    update_spelling,
    upsert_documents,
)

SUBDIRECTORY = "sqlite"  # beside the Whoosh generations when both backends share SEARCH_INDEX_PATH
ATTEMPTS = 5


class SqliteSearchIndex:
    """An FTS5 index under `base_path`, safe to share between threads and worker processes."""

    def __init__(self, base_path: str, *, writer_timeout: float = 10.0):
        self.base_path = str(base_path)
        self.writer_timeout = writer_timeout
        self._generations = SqliteGenerations(Path(base_path) / SUBDIRECTORY)
        self._local = threading.local()
        self._pid = os.getpid()
        self._epoch = 0  # close() bumps it so every thread reopens its connection
        self._inherited = []  # a forked worker keeps its parent's connections, unused

    # Connections

    def _connection(self):
        """This thread's connection to the active generation, and that generation's name."""
        if self._pid != os.getpid():  # forked worker: never use, nor close, the parent's connections
            self._inherited.append(self._local)
            self._pid, self._local = os.getpid(), threading.local()
        generations, local = self._generations, self._local
        name = generations.current() or generations.ensure_current(None, self.writer_timeout)
        if getattr(local, "name", None) != name or getattr(local, "epoch", None) != self._epoch:
            self._disconnect()
            try:
                local.conn = connect(generations.database(name), self.writer_timeout)
            except sqlite3.OperationalError:
                if generations.current() == name:
                    raise
                raise _Moved from None  # removed by a rebuild since we read the pointer
            local.name, local.epoch = name, self._epoch
        return local.conn, name

    def _disconnect(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = self._local.name = None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close this thread's connection; other threads reopen theirs on their next call."""
        self._epoch += 1
        self._disconnect()

    @contextmanager
    def _reading(self):
        """A connection inside one read transaction, so every query sees the same snapshot."""
        conn = self._begin_read()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def _begin_read(self):
        for _ in range(ATTEMPTS):
            try:
                conn, name = self._connection()
            except _Moved:
                continue
            try:
                conn.execute("BEGIN")
                conn.execute("SELECT 1 FROM facets LIMIT 1")  # starts the snapshot
                return conn
            except sqlite3.OperationalError:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if not self._swapped_meanwhile(name):
                    raise
        raise SearchIndexBusy(f"search index {self.base_path} keeps changing generation")

    def _swapped_meanwhile(self, name) -> bool:
        """True when a rebuild replaced (and maybe removed) the generation `name`."""
        if self._generations.current() == name:
            return False
        self._disconnect()
        return True

    # Reading

    def doc_count(self) -> int:
        """Number of documents in the active generation."""
        with self._reading() as conn:
            return Facets(conn).total

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
        with self._reading() as conn:
            facets = Facets(conn)
            filters = Filters(facets, lang=lang, kinds=kinds, category=category)
            plan, (total, top), suggestion, corrected = _ranked(conn, text, langs, filters, facets, limit)
            shown = top[(page - 1) * per_page: page * per_page]
            hits = _hits(_stored(conn, [docnum for docnum, _ in shown]), plan, shown, highlight)
        return SearchResults(hits=hits, total=total, page=page, per_page=per_page,
                             pages=-(-total // per_page), query=text, suggestion=suggestion,
                             corrected=corrected)

    def suggest(self, text: str, *, lang: str | None = None, kinds=("article",),
                limit: int = 5) -> list[dict]:
        """As-you-type titles: each typed word is a prefix of a title word (FTS5 prefix
        queries); earlier words become optional when that finds too few.
        Returns the stored fields of each title, without the body."""
        raw = text[:MAX_QUERY_CHARS] if isinstance(text, str) else ""
        prefixes = [fold(word)[:SUGGEST_MAX_GRAM] for word, _, _ in words(raw)][-MAX_SUGGEST_WORDS:]
        limit = min(max(0, as_int(limit, 5)), MAX_PER_PAGE)
        if not prefixes or not limit:
            return []
        langs = (index_language(lang),) if lang else LANGUAGES
        with self._reading() as conn:
            filters = Filters(Facets(conn), lang=lang, kinds=kinds)
            if filters.empty:
                return []
            docnums = suggested(conn, prefixes, langs, filters, limit)
            stored = _stored(conn, docnums)
        return [{k: stored[d][k] for k in PUBLIC_FIELDS if k in stored[d]} for d in docnums]

    # Writing

    def upsert(self, docs: Iterable[dict]) -> None:
        """Add or replace documents by id in one commit; raises SearchIndexBusy on lock timeout."""
        docs = list({str(doc.get("id")): doc for doc in docs}.values())  # last one wins
        prepared = [PreparedDoc(doc) for doc in docs]
        if prepared:
            self._write(lambda conn: upsert_documents(conn, prepared), {"op": "upsert", "docs": docs})

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id in one commit; unknown ids are ignored."""
        ids = [str(doc_id) for doc_id in ids]
        if ids:
            self._write(lambda conn: update_spelling(conn, remove_documents(conn, ids)),
                        {"op": "delete", "ids": ids})

    def optimize(self) -> None:
        """Maintenance: merge the full-text segments (searches slow down after many small edits)."""
        def merge(conn):
            for table in ("fts", "titles"):
                conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        self._write(merge, {"op": "noop"})

    def _write(self, apply, record: dict) -> None:
        for _ in range(ATTEMPTS):
            try:
                conn, name = self._connection()
            except _Moved:
                continue
            if not self._begin_write(conn, name):
                continue
            try:
                if self._generations.current() != name:  # swapped while we waited for the lock
                    conn.execute("ROLLBACK")
                    continue
                if self._generations.rebuilding():
                    self._generations.journal(record)
                apply(conn)
                conn.execute("COMMIT")
                return
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        raise SearchIndexBusy(f"search index {self.base_path} keeps changing generation")

    def _begin_write(self, conn, name) -> bool:
        """Take the write lock (False: the generation went away meanwhile, try the new one)."""
        try:
            conn.execute("BEGIN IMMEDIATE")
            return True
        except sqlite3.OperationalError as exc:
            if self._swapped_meanwhile(name):
                return False
            if "locked" in str(exc) or "busy" in str(exc):
                raise SearchIndexBusy(
                    f"search index {self.base_path} stayed locked for {self.writer_timeout}s"
                ) from None
            raise

    def rebuild(self, docs: Iterable[dict]) -> None:
        """Index `docs` into a new database and swap it in; searches use the old one meanwhile.

        Pass a lazy iterable: changes written by other processes once the rebuild has started
        are journaled and replayed, so they survive the swap.
        """
        generations, timeout = self._generations, self.writer_timeout
        with generations.lock(REBUILD_LOCK, timeout):
            new = generations.create(None)
            generations.start_rebuild(new)
            try:
                _load(generations.database(new), docs)
                self._swap_in(new)
            except BaseException:
                generations.finish_rebuild()
                generations.discard(new)
                raise
            generations.remove_except(new)
        self._disconnect()

    def _swap_in(self, new: str) -> None:
        """Block writers on the active generation, replay their journal into `new`, swap."""
        generations = self._generations
        old = self._lock_active()
        try:
            final = replayed(generations.journal_records())
            if final:
                conn = connect(generations.database(new), self.writer_timeout)
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    update_spelling(conn, remove_documents(conn, list(final)))
                    upsert_documents(conn, [PreparedDoc(doc) for doc in filter(None, final.values())])
                    conn.execute("COMMIT")
                finally:
                    conn.close()
            generations.swap(new, self.writer_timeout)
            generations.finish_rebuild()
        finally:
            if old is not None:
                old.close()  # rolls back: releases the writers, who then see the new pointer

    def _lock_active(self):
        """A connection holding the write lock of the active generation (None if unreadable)."""
        while True:
            name = self._generations.current()
            if name is None:
                return None
            try:
                conn = connect(self._generations.database(name), self.writer_timeout)
            except sqlite3.Error:
                if self._generations.current() == name:
                    return None  # a broken active generation: the rebuild is the repair
                continue
            if self._begin_write(conn, name) and self._generations.current() == name:
                return conn
            conn.close()


class _Moved(Exception):
    """The generation just read from the pointer was removed by a rebuild: read it again."""


def _load(path: str, docs: Iterable[dict]) -> None:
    loader = BulkLoader(path)
    try:
        for doc in docs:
            loader.add(doc)
        loader.finish()
    except BaseException:
        loader.abort()
        raise


def _ranked(conn, text, langs, filters, facets, limit):
    """(plan, (total, top), suggestion, corrected): the hits for `text`, or for its "Did you
    mean" suggestion when `text` found nothing and the suggestion finds something."""
    plan = SqlitePlan(conn, text, langs)
    ranked = rank(conn, plan, filters, facets, limit)
    fixes = corrections(conn, plan) if plan.unknown else {}
    suggestion = rewrite(text, fixes) if fixes else None
    if suggestion and not ranked[0]:
        retry = SqlitePlan(conn, suggestion, langs)
        retried = rank(conn, retry, filters, facets, limit)
        if retried[0]:
            return retry, retried, suggestion, True
    return plan, ranked, suggestion, False


def _stored(conn, docnums: list[int]) -> dict[int, dict]:
    if not docnums:
        return {}
    rows = conn.execute(f"SELECT docnum, fields FROM docs WHERE docnum IN ({', '.join('?' * len(docnums))})",
                        docnums)
    return {docnum: json.loads(fields) for docnum, fields in rows}


def _hits(stored: dict, plan: SqlitePlan, shown, with_snippets: bool) -> list[SearchHit]:
    hits = []
    for docnum, score in shown:
        fields = stored[docnum]
        snippet = None
        if with_snippets:
            lang = index_language(fields.get("lang"))
            text = indexed_text(fields.get("summary") or "", fields.get("body") or "")
            snippet = highlight(text, lang, plan.stems(lang))
        snippet = snippet or plain_snippet(fields.get("summary") or fields.get("body") or "")
        hits.append(SearchHit(
            id=fields["id"], kind=fields.get("kind"), lang=fields.get("lang"),
            slug=fields.get("slug"), title=fields.get("title", ""),
            category=fields.get("category"), score=score, snippet=snippet, fields=fields,
        ))
    return hits
