"""What only the SQLite FTS5 backend has: its own WAL database, MATCH expressions built from
quoted terms only, the spelling table and its letter-pair lookup."""
import re
import sqlite3

import pytest

from portal.search import SqliteSearchIndex, sqlite_backend
from tests.search.factories import ids, make_doc
from tests.search.test_search_index import HOSTILE

# Outside double-quoted terms, an expression holds only what sqlite_queries writes.
GENERATED_SYNTAX = re.compile(r"(?:\s|[(){}:*]|AND|OR|NOT|filters|(?:title|tags|body)_(?:en|fr))*")


@pytest.fixture
def index(tmp_path):
    return SqliteSearchIndex(str(tmp_path / "search"), writer_timeout=5)


@pytest.fixture
def match_expressions(monkeypatch):
    """Every FTS5 MATCH argument the index sends to SQLite, as SQLite receives it."""
    seen = []
    connect = sqlite_backend.connect

    def tracing(path, timeout):
        conn = connect(path, timeout)
        conn.set_trace_callback(lambda sql: seen.extend(
            m.replace("''", "'") for m in re.findall(r"MATCH '((?:[^']|'')*)'", sql)))
        return conn

    monkeypatch.setattr(sqlite_backend, "connect", tracing)
    return seen


def test_the_index_is_its_own_wal_database(tmp_path, index):
    index.upsert([make_doc(1, "Returns")])

    layout = tmp_path / "search" / "sqlite"
    database = layout / (layout / "CURRENT").read_text() / "search.sqlite3"
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT id FROM docs").fetchall() == [("article:1",)]
    finally:
        conn.close()


@pytest.mark.parametrize("query", HOSTILE + ["title_en : refund", "refund NOT gift", "* OR *", "gift*"],
                         ids=lambda q: repr(q[:20]))
def test_user_text_reaches_fts5_only_as_quoted_terms(index, match_expressions, query):
    index.upsert([make_doc(1, "Returns and refunds", "Ask for a refund.", tags=["refund"]),
                  make_doc(2, "Gift cards", "A gift card never expires.", kind="question",
                           category='x" OR "y')])
    match_expressions.clear()

    index.search(query, lang=None, kinds=("article", 'q"*'), category=None)
    index.search(query, lang="fr", category='x" OR "y')
    index.suggest(query, kinds=(query[:30],))

    for expression in match_expressions:
        assert all(re.fullmatch(r"\w+", term) for term in re.findall(r'"([^"]*)"', expression)), expression
        assert GENERATED_SYNTAX.fullmatch(re.sub(r'"\w+"', " ", expression)), expression


def test_a_plain_search_goes_through_the_same_checks(index, match_expressions):
    index.upsert([make_doc(1, "Returns and refunds", "Ask for a refund.")])

    assert ids(index.search("refunds", category="general")) == ["article:1"]

    assert match_expressions
    for expression in match_expressions:
        assert GENERATED_SYNTAX.fullmatch(re.sub(r'"\w+"', " ", expression)), expression


def test_fts5_operators_typed_by_a_user_are_plain_words(index):
    index.upsert([make_doc(1, "Returns and refunds", "Ask for a refund."),
                  make_doc(2, "Gift cards", "A gift card never expires.")])

    assert sorted(ids(index.search("refund NOT gift"))) == ["article:1", "article:2"]
    assert ids(index.search("{title_en}: expires")) == ["article:2"]  # no column filter


def test_a_typo_is_found_among_many_words_with_the_same_first_letter(index):
    letters = "abcdefghijklmnopqrstuvwxyz"
    filler = [f"r{a}{b}{c}ssement" for a in letters[:12] for b in letters[:12] for c in "aeiou"]
    index.upsert([make_doc(i, f"Article {i}", " ".join(filler[i::40]), lang="fr") for i in range(40)])
    index.upsert([make_doc(99, "Remboursement", "Demander un remboursement.", lang="fr")])

    results = index.search("remboursment", lang="fr")

    assert results.suggestion == "remboursement" and ids(results) == ["article:99"]


def test_deleted_words_are_no_longer_suggested(index):
    index.upsert([make_doc(1, "Tracking a parcel"), make_doc(2, "Gift cards")])
    assert index.search("trackng").suggestion == "tracking"

    index.delete(["article:1"])

    assert index.search("trackng").suggestion is None
    index.upsert([make_doc(1, "Tracking a parcel")])
    assert index.search("trackng").suggestion == "tracking"


def test_a_rebuilt_index_has_its_spelling_and_facets(index):
    index.rebuild([make_doc(1, "Tracking a parcel", kind="question"), make_doc(2, "Gift cards"),
                   make_doc(1, "Ignored: the first document with an id wins")])

    assert index.doc_count() == 2
    assert index.search("trackng", kinds=("question",)).suggestion == "tracking"
    assert ids(index.search("tracking", kinds=("question",))) == ["article:1"]
    assert index.search("tracking").total == 0  # articles only
    assert [s["id"] for s in index.suggest("gi")] == ["article:2"]
