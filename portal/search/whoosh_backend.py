"""SearchIndex: the Whoosh index behind the help centre and forum search boxes.

User text never reaches Whoosh's query parser: it is split into words, analyzed with the same
analyzers as the documents and looked up as plain terms (queries.QueryPlan, ranking.Ranker),
so no input can be a syntax error.
"""
import os
import threading
import time
from typing import Iterable

from whoosh.index import EmptyIndexError, LockError, open_dir
from whoosh.query import And, AndMaybe, Or, Term

from .analysis import LANGUAGES, SUGGEST_MAX_GRAM, fold, words
from .generations import REBUILD_LOCK, Generations, SearchIndexBusy
from .generations import replayed as _replayed
from .queries import QueryPlan, corrections, rewrite
from .ranking import Ranker
from .results import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    MAX_SUGGEST_WORDS,
    SearchHit,
    SearchResults,
)
from .results import as_int as _as_int
from .schema import PUBLIC_FIELDS, SCHEMA, document_fields, index_language
from .snippets import highlight, indexed_text, plain_snippet

__all__ = ["SearchHit", "SearchIndex", "SearchResults"]


class SearchIndex:
    """A Whoosh index under `base_path`, safe to share between threads and worker processes."""

    def __init__(self, base_path: str, *, writer_timeout: float = 10.0):
        self.base_path = str(base_path)
        self.writer_timeout = writer_timeout
        self._generations = Generations(base_path)
        self._lock = threading.RLock()
        self._reset()

    def _reset(self):
        self._pid = os.getpid()
        self._generation = self._index = self._searcher = None
        self._filters = {}
        self._ranker = Ranker()

    # Reading

    def _sync(self):
        """The cached searcher, reopened if another process swapped or changed the index."""
        if self._pid != os.getpid():  # forked worker: never share file handles with the parent
            self._lock = threading.RLock()
            self._reset()
        name = self._generations.current()
        if self._searcher is not None and name == self._generation:
            try:
                if not self._searcher.up_to_date():
                    self._searcher = self._searcher.refresh()
                    self._filters = {}
                    self._ranker.forget_segments(self._searcher.reader())
                return self._searcher
            except OSError:
                name = None  # a rebuild elsewhere removed this generation: follow the pointer
        self._open(name)
        return self._searcher

    def _open(self, name):
        for attempt in range(5):
            name = name or self._generations.ensure_current(SCHEMA, self.writer_timeout)
            try:
                index = open_dir(self._generations.path(name))
                searcher = index.searcher()
            except (OSError, EmptyIndexError):
                if self._generations.current() != name:
                    name = None  # deleted by a rebuild between reading the pointer and opening it
                elif attempt == 4:
                    raise
                else:
                    # Another process committed and merged away segments of the table of contents
                    # we had just read: read the newer one.
                    time.sleep(0.05 * (attempt + 1))
                continue
            self.close()  # also resets the ranker: segments of another generation
            self._generation, self._index, self._searcher = name, index, searcher
            return
        raise SearchIndexBusy(f"search index {self.base_path} keeps changing generation")

    def close(self) -> None:
        """Release the cached searcher's files (it is reopened on the next call)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._reset()

    def _filter(self, searcher, lang, kinds, category) -> set | None:
        """Docnums allowed by the filters (None: no filter), cached until the index changes."""
        wanted = [("kind", tuple(map(str, kinds or ()))), ("lang", (str(lang),) if lang else ()),
                  ("category", (str(category),) if category else ())]
        wanted = tuple((name, values) for name, values in wanted if values)
        if not wanted:
            return None
        if wanted not in self._filters:
            if len(self._filters) > 64:
                self._filters = {}
            reader = searcher.reader()
            self._filters[wanted] = set.intersection(
                *(self._ranker.docs_with(reader, name, values) for name, values in wanted))
        return self._filters[wanted]

    def doc_count(self) -> int:
        """Number of documents in the active generation."""
        with self._lock:
            return self._sync().doc_count()

    def search(self, query: str, *, lang: str | None = None, kinds: tuple[str, ...] = ("article",),
               category: str | None = None, page: int = 1, per_page: int = 10,
               highlight: bool = True) -> SearchResults:
        """Ranked, filtered, paginated hits for any user text; never raises on odd input.

        `lang=None` searches both languages, `kinds=()` every kind. Unknown words get a
        "Did you mean" suggestion, whose results are shown when the query found nothing.
        """
        text = query[:MAX_QUERY_CHARS] if isinstance(query, str) else ""
        page = max(1, _as_int(page, 1))
        per_page = min(max(1, _as_int(per_page, 10)), MAX_PER_PAGE)
        langs = (index_language(lang),) if lang else LANGUAGES
        limit = min(page * per_page, MAX_RESULTS)
        with self._lock:
            searcher = self._sync()
            reader = searcher.reader()
            allow = self._filter(searcher, lang, kinds, category)
            plan = QueryPlan(reader, text, langs)
            total, top = self._ranker.rank(reader, plan, allow, limit)
            fixes = corrections(reader, plan) if plan.unknown else {}
            suggestion = rewrite(text, fixes) if fixes else None
            corrected = False
            if suggestion and not total:
                retry = QueryPlan(reader, suggestion, langs)
                retried = self._ranker.rank(reader, retry, allow, limit)
                if retried[0]:
                    plan, (total, top), corrected = retry, retried, True
            shown = top[(page - 1) * per_page: page * per_page]
            hits = self._hits(searcher, plan, shown, highlight)
        return SearchResults(hits=hits, total=total, page=page, per_page=per_page,
                             pages=-(-total // per_page), query=text, suggestion=suggestion,
                             corrected=corrected)

    def _hits(self, searcher, plan, shown, with_snippets) -> list[SearchHit]:
        stored = {docnum: searcher.stored_fields(docnum) for docnum, _ in shown}
        snippets = self._snippets(plan, stored) if with_snippets else {}
        hits = []
        for docnum, score in shown:
            fields = stored[docnum]
            snippet = snippets.get(docnum) or plain_snippet(
                fields.get("summary") or fields.get("body") or ""
            )
            hits.append(SearchHit(
                id=fields["id"], kind=fields.get("kind"), lang=fields.get("lang"),
                slug=fields.get("slug"), title=fields.get("title", ""),
                category=fields.get("category"), score=score, snippet=snippet, fields=fields,
            ))
        return hits

    @staticmethod
    def _snippets(plan, stored: dict) -> dict:
        snippets = {}
        for docnum, fields in stored.items():
            lang = index_language(fields.get("lang"))
            text = indexed_text(fields.get("summary") or "", fields.get("body") or "")
            snippets[docnum] = highlight(text, lang, plan.stems(lang))
        return snippets

    def suggest(self, text: str, *, lang: str | None = None, kinds=("article",),
                limit: int = 5) -> list[dict]:
        """As-you-type titles: each typed word is a prefix of a title word (edge n-grams, one
        term lookup each); earlier words become optional when that finds too few.
        Returns the stored fields of each title, without the body."""
        raw = text[:MAX_QUERY_CHARS] if isinstance(text, str) else ""
        prefixes = [fold(word)[:SUGGEST_MAX_GRAM] for word, _, _ in words(raw)][-MAX_SUGGEST_WORDS:]
        limit = min(max(0, _as_int(limit, 5)), MAX_PER_PAGE)
        if not prefixes or not limit:
            return []
        terms = [Term("title_ac", prefix) for prefix in prefixes]
        queries = [And(terms)] if len(terms) > 1 else []
        queries.append(AndMaybe(terms[-1], Or(terms[:-1])) if len(terms) > 1 else terms[-1])
        found = {}
        with self._lock:
            searcher = self._sync()
            allow = self._filter(searcher, lang, kinds, None)
            if allow is not None and not allow:
                return []  # Whoosh treats an empty filter as no filter at all
            for q in queries:
                for hit in searcher.search(q, limit=limit, filter=allow):
                    if len(found) < limit and hit.docnum not in found:
                        fields = hit.fields()
                        found[hit.docnum] = {k: fields[k] for k in PUBLIC_FIELDS if k in fields}
        return list(found.values())

    # Writing

    def upsert(self, docs: Iterable[dict]) -> None:
        """Add or replace documents by id in one commit; raises SearchIndexBusy on lock timeout."""
        docs = list({str(doc.get("id")): doc for doc in docs}.values())  # last one wins
        prepared = [document_fields(doc) for doc in docs]
        if prepared:
            record = {"op": "upsert", "docs": docs}
            self._write(lambda writer: _apply_upsert(writer, prepared), record)

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id in one commit; unknown ids are ignored."""
        ids = [str(doc_id) for doc_id in ids]
        if ids:
            self._write(lambda writer: _apply_delete(writer, ids), {"op": "delete", "ids": ids})

    def _write(self, apply, record: dict) -> None:
        for _ in range(5):
            with self._lock:
                self._sync()
                index, name = self._index, self._generation
            writer = self._writer(index, name)
            if writer is None:
                continue
            try:
                if self._generations.rebuilding():
                    self._generations.journal(record)
                apply(writer)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            with self._lock:
                self._sync()
            return
        raise SearchIndexBusy(f"search index {self.base_path} keeps changing generation")

    def _writer(self, index, name):
        """A writer on generation `name`, or None if a rebuild swapped it out meanwhile."""
        try:
            writer = index.writer(timeout=self.writer_timeout, delay=0.05)
        except LockError:
            raise SearchIndexBusy(
                f"search index {self.base_path} stayed locked for {self.writer_timeout}s"
            ) from None
        except OSError:
            if self._generations.current() == name:
                raise
            return None
        if self._generations.current() != name:
            writer.cancel()
            return None
        return writer

    def optimize(self) -> None:
        """Maintenance: merge the segments into one (searches slow down after many small edits)."""
        with self._lock:
            name = self._generations.current() or self._generations.ensure_current(SCHEMA, self.writer_timeout)
            writer = self._writer(open_dir(self._generations.path(name)), name)
            if writer is not None:  # None: a rebuild swapped in a fresh generation meanwhile
                writer.commit(optimize=True)
            self._sync()

    def rebuild(self, docs: Iterable[dict]) -> None:
        """Index `docs` into a new generation and swap it in; searches use the old one meanwhile.

        Pass a lazy iterable: changes written by other processes once the rebuild has started
        are journaled and replayed, so they survive the swap.
        """
        generations, timeout = self._generations, self.writer_timeout
        with generations.lock(REBUILD_LOCK, timeout):
            new = generations.create(SCHEMA)
            generations.start_rebuild(new)
            try:
                new_index = open_dir(generations.path(new))
                writer = new_index.writer(limitmb=128)
                seen = set()
                for doc in docs:
                    fields = document_fields(doc)
                    if fields["id"] not in seen:  # update_document would not see the batch itself
                        seen.add(fields["id"])
                        writer.add_document(**fields)
                writer.commit()
                self._swap_in(new, new_index)
            except BaseException:
                generations.finish_rebuild()
                generations.discard(new)
                raise
            generations.remove_except(new)
        with self._lock:
            self._sync()

    def _swap_in(self, new: str, new_index) -> None:
        """Block writers on the active generation, replay their journal into `new`, swap."""
        old_writer = None
        while old_writer is None:
            name = self._generations.current()
            try:
                old_index = open_dir(self._generations.path(name)) if name else None
            except (OSError, EmptyIndexError):
                old_index = None  # a broken active generation: the rebuild is the repair
            if old_index is None:
                break
            old_writer = self._writer(old_index, name)
        try:
            final = _replayed(self._generations.journal_records())
            if final:
                # One change per id: a writer does not see the documents it added itself.
                writer = new_index.writer()
                _apply_delete(writer, list(final))
                for doc in filter(None, final.values()):
                    writer.add_document(**document_fields(doc))
                writer.commit()
            self._generations.swap(new, self.writer_timeout)
            self._generations.finish_rebuild()
        finally:
            if old_writer is not None:
                old_writer.cancel()


def _apply_upsert(writer, prepared: list[dict]) -> None:
    for fields in prepared:
        writer.update_document(**fields)


def _apply_delete(writer, ids: list[str]) -> None:
    for doc_id in ids:
        writer.delete_by_term("id", doc_id)
