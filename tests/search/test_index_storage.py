"""Writing: updates, deletes, generations and rebuilds, several writers at once, lock timeouts.

Every backend (the `index` fixture); the tests that hold a backend's own lock are per backend.
"""
import multiprocessing
import sqlite3
import threading
import time

import pytest

from portal.search import SearchIndex, SearchIndexBusy, SqliteSearchIndex, create_index
from tests.search.factories import ids, make_doc


def test_first_use_creates_the_first_generation(base, layout, index):
    assert not base.exists()  # the constructor touches nothing

    assert index.doc_count() == 0
    assert index.search("anything").total == 0

    assert len(layout.generations()) == 1
    assert layout.current() == layout.generations()[0]


def test_an_edit_is_searchable_at_once_and_the_old_text_is_gone(index):
    index.upsert([make_doc(1, "Pigeon post", "We ship by carrier pigeon.")])
    assert ids(index.search("pigeon")) == ["article:1"]

    index.upsert([make_doc(1, "Drone delivery", "We ship by drone.")])

    assert index.search("pigeon").total == 0
    assert ids(index.search("drone")) == ["article:1"]
    assert index.doc_count() == 1


def test_a_batch_with_the_same_id_twice_keeps_the_last(index):
    index.upsert([make_doc(1, "Old title"), make_doc(1, "New title")])

    assert index.doc_count() == 1
    assert ids(index.search("new")) == ["article:1"] and index.search("old").total == 0


def test_delete(index):
    index.upsert([make_doc(1, "Returns"), make_doc(2, "Returns label")])

    index.delete(["article:1", "article:404"])

    assert ids(index.search("returns")) == ["article:2"]
    assert index.doc_count() == 1
    assert index.suggest("ret") and index.suggest("ret")[0]["id"] == "article:2"


def test_a_document_without_id_is_refused(index):
    with pytest.raises(ValueError):
        index.upsert([{"title": "No id"}])


def test_another_instance_sees_writes_on_its_next_search(open_index, index):
    other = open_index()
    assert other.search("parcel").total == 0  # opens and caches its searcher

    index.upsert([make_doc(1, "Parcel lockers")])

    assert ids(other.search("parcel")) == ["article:1"]


def test_rebuild_swaps_generations_under_a_reader_that_stays_open(layout, open_index, index):
    index.upsert([make_doc(1, "Old article about pigeons")])
    reader = open_index()
    assert ids(reader.search("pigeons")) == ["article:1"]
    old_generation = layout.generations()

    index.rebuild(make_doc(i, f"Fresh article {i} about drones") for i in range(2, 5))

    assert layout.generations() != old_generation and len(layout.generations()) == 1
    assert layout.current() == layout.generations()[0]
    for instance in (index, reader):
        assert instance.search("pigeons").total == 0
        assert instance.search("drones").total == 3
        assert instance.doc_count() == 3
    reader.upsert([make_doc(9, "Drones in winter")])  # writes go to the new generation
    assert index.search("drones").total == 4


def test_searches_use_the_old_generation_while_a_rebuild_runs(open_index, index):
    index.upsert([make_doc(1, "Old pigeons")])
    seen_during_rebuild = []

    def documents():
        seen_during_rebuild.append(open_index().search("pigeons").total)
        yield make_doc(2, "New drones")

    index.rebuild(documents())

    assert seen_during_rebuild == [1]
    assert index.search("pigeons").total == 0


def test_writes_made_during_a_rebuild_survive_the_swap(layout, open_index, index):
    index.upsert([make_doc(1, "Returns")])
    other_worker = open_index()

    def documents():
        yield make_doc(1, "Returns")
        # Another worker edits and deletes while the rebuild reads its (older) snapshot.
        other_worker.upsert([make_doc(2, "Gift cards")])
        other_worker.upsert([make_doc(1, "Returns and refunds")])
        other_worker.delete(["article:2"])
        other_worker.upsert([make_doc(3, "Store pickup")])
        yield make_doc(2, "Gift cards")

    index.rebuild(documents())

    assert sorted(hit.id for hit in index.search("returns refunds pickup gift").hits) == [
        "article:1", "article:3"]
    assert ids(index.search("refunds")) == ["article:1"]
    assert not layout.rebuild_leftovers()


def test_a_failed_rebuild_leaves_the_active_generation_alone(layout, index):
    index.upsert([make_doc(1, "Returns")])
    before = layout.generations()

    def broken():
        yield make_doc(2, "Gift cards")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(broken())

    assert layout.generations() == before
    assert ids(index.search("returns")) == ["article:1"] and index.search("gift").total == 0
    index.upsert([make_doc(3, "Store pickup")])  # no journal left behind to confuse writers
    assert not layout.rebuild_leftovers()


def test_two_threads_writing_at_once_lose_nothing(open_index):
    def write(start):
        worker = open_index(writer_timeout=30)
        for i in range(start, start + 50):
            worker.upsert([make_doc(i, f"Concurrent parcel {i}")])

    threads = [threading.Thread(target=write, args=(start,)) for start in (0, 50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    index = open_index()
    assert index.doc_count() == 100
    assert index.search("concurrent", per_page=100).total == 100


def test_one_instance_shared_by_threads_that_search_and_write(index):
    errors, done = [], threading.Event()

    def write(start):
        try:
            for i in range(start, start + 25):
                index.upsert([make_doc(i, f"Shared parcel {i}", "parcel tracking")])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def search():
        try:
            while not done.is_set():
                results = index.search("parcel tracking", per_page=5)
                assert len(results.hits) == min(5, results.total)
                index.suggest("shared par")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(start,)) for start in (0, 25)]
    searchers = [threading.Thread(target=search) for _ in range(2)]
    for thread in writers + searchers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in searchers:
        thread.join()

    assert errors == []
    assert index.search("shared parcel").total == 50


def _write_fifty(backend, base, database_url, start):
    worker = create_index(backend, base, writer_timeout=30, database_url=database_url)
    for i in range(start, start + 50):
        worker.upsert([make_doc(i, f"Process parcel {i}")])


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_two_processes_writing_at_once_lose_nothing(backend, base, database_url, index):
    index.doc_count()  # create the first generation up front, as the app would
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_fifty, args=(backend, str(base), database_url, start)) for start in (0, 50)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert [worker.exitcode for worker in workers] == [0, 0]
    assert index.doc_count() == 100
    assert index.search("process parcel", per_page=100).total == 100


def test_a_whoosh_writer_that_cannot_get_the_lock_fails_loudly(base):
    from whoosh.index import open_dir  # only to hold the lock the way another process would

    index = SearchIndex(str(base), writer_timeout=5)
    index.upsert([make_doc(1, "Returns")])
    held = open_dir(str(base / (base / "CURRENT").read_text())).writer()
    impatient = SearchIndex(str(base), writer_timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(SearchIndexBusy, match="locked"):
            impatient.upsert([make_doc(2, "Gift cards")])
        assert 0.25 < time.monotonic() - started < 5
    finally:
        held.cancel()

    impatient.upsert([make_doc(2, "Gift cards")])
    assert ids(index.search("gift")) == ["article:2"]


def test_a_sqlite_writer_that_cannot_get_the_lock_fails_loudly(base):
    index = SqliteSearchIndex(str(base), writer_timeout=5)
    index.upsert([make_doc(1, "Returns")])
    layout = base / "sqlite"
    held = sqlite3.connect(layout / (layout / "CURRENT").read_text() / "search.sqlite3", isolation_level=None)
    held.execute("BEGIN IMMEDIATE")  # the write lock, the way another process would hold it
    impatient = SqliteSearchIndex(str(base), writer_timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(SearchIndexBusy, match="locked"):
            impatient.upsert([make_doc(2, "Gift cards")])
        assert 0.25 < time.monotonic() - started < 5
        assert ids(impatient.search("returns")) == ["article:1"]  # readers never wait
    finally:
        held.execute("ROLLBACK")
        held.close()

    impatient.upsert([make_doc(2, "Gift cards")])
    assert ids(index.search("gift")) == ["article:2"]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_postgresql_writer_that_cannot_get_the_lock_fails_loudly(open_index, database_url):
    import psycopg

    from portal.search.postgres_backend import connection_url
    from portal.search.postgres_store import LOCK_CLASS, WRITE_LOCK

    index = open_index()
    index.upsert([make_doc(1, "Returns")])
    held = psycopg.connect(connection_url(database_url))
    held.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, WRITE_LOCK))  # as another machine would
    impatient = open_index(writer_timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(SearchIndexBusy, match="locked"):
            impatient.upsert([make_doc(2, "Gift cards")])
        assert 0.25 < time.monotonic() - started < 5
        assert ids(impatient.search("returns")) == ["article:1"]  # readers never wait
    finally:
        held.rollback()
        held.close()

    impatient.upsert([make_doc(2, "Gift cards")])
    assert ids(index.search("gift")) == ["article:2"]


def test_optimize_merges_segments_and_keeps_every_document(index):
    for n in range(5):  # five commits: five segments for Whoosh, five FTS segments for SQLite
        index.upsert([{"id": f"article:{n}", "kind": "article", "lang": "en", "title": f"Parcel number {n}",
                       "body": "Tracking your parcel."}])
    index.optimize()
    assert index.doc_count() == 5
    assert index.search("parcel", lang="en").total == 5
