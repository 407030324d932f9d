"""What only the PostgreSQL backend has: its own schemas and configurations in the site's database,
user text sent only as bound parameters, the trigram "Did you mean" lookup, the state row."""
import psycopg
import pytest

from portal.search import create_index
from portal.search.postgres_backend import connection_url
from tests.search.factories import ids, make_doc

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


@pytest.fixture
def sql(database_url):
    """Run one query on the site's database and return its rows."""
    def run(query, params=()):
        with psycopg.connect(connection_url(database_url)) as conn:
            return conn.execute(query, params).fetchall()
    return run


@pytest.fixture
def statements(monkeypatch):
    """Every SQL text the index sends (without its parameters)."""
    seen = []

    def tracing(method):
        def traced(self, query, *args, **kwargs):
            seen.append(query if isinstance(query, str) else query.as_string(self))
            return method(self, query, *args, **kwargs)
        return traced

    monkeypatch.setattr(psycopg.Cursor, "execute", tracing(psycopg.Cursor.execute))
    monkeypatch.setattr(psycopg.Cursor, "executemany", tracing(psycopg.Cursor.executemany))
    return seen


def test_the_index_lives_in_its_own_schemas_with_unaccent_configurations(index, sql):
    index.upsert([make_doc(1, "Où est ma commande ?", "Commande livrée.", lang="fr")])

    (current,), = sql("SELECT current FROM comptoir_search.state")
    assert sql(f'SELECT id FROM "{current}".docs') == [("article:1",)]
    assert sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]  # no app table touched
    (vector,), = sql("SELECT to_tsvector('comptoir_search.comptoir_fr', 'Où est ma commande livrée')::text")
    assert "'ou'" in vector and "'command'" in vector and "é" not in vector
    (vector,), = sql("SELECT to_tsvector('comptoir_search.comptoir_en', 'Not delivered')::text")
    assert "'not'" in vector  # no stop list in the index: queries drop the same stop words as Whoosh


@pytest.mark.parametrize("query", ['refund"); DROP TABLE docs; --', "'' OR 1=1 --", "%s%n{0}", "refund:* & !gift",
                                   "<script>", "title_en : refund"])
def test_user_text_reaches_postgresql_only_as_parameters(index, statements, query):
    index.upsert([make_doc(1, "Returns and refunds", "Ask for a refund.", category='x" OR "y')])
    statements.clear()

    index.search(query, lang=None, kinds=("article", query), category=query)
    index.search(query, lang="fr")
    index.suggest(query, kinds=(query,))

    assert statements
    assert not [s for s in statements if query in s or "refund" in s]


def test_tsquery_operators_typed_by_a_user_are_plain_words(index):
    index.upsert([make_doc(1, "Returns and refunds", "Ask for a refund."),
                  make_doc(2, "Gift cards", "A gift card never expires.")])

    assert sorted(ids(index.search("refund & !gift"))) == ["article:1", "article:2"]
    assert ids(index.search("!refund")) == ["article:1"]
    assert ids(index.search("gift <-> card:*")) == ["article:2"]
    assert [s["id"] for s in index.suggest("gi:* | re")] == ["article:1"]


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


def test_a_rebuilt_index_has_its_spelling_and_filters(index):
    index.rebuild([make_doc(1, "Tracking a parcel", kind="question"), make_doc(2, "Gift cards"),
                   make_doc(1, "Ignored: the first document with an id wins")])

    assert index.doc_count() == 2
    assert index.search("trackng", kinds=("question",)).suggestion == "tracking"
    assert ids(index.search("tracking", kinds=("question",))) == ["article:1"]
    assert index.search("tracking").total == 0  # articles only
    assert [s["id"] for s in index.suggest("gi")] == ["article:2"]


def test_the_marker_of_a_crashed_rebuild_is_cleared_by_the_next_write(index, sql):
    index.doc_count()
    sql("UPDATE comptoir_search.state SET rebuilding = 'comptoir_search_gen_gone' RETURNING id")

    index.upsert([make_doc(1, "Returns")])

    assert sql("SELECT rebuilding FROM comptoir_search.state") == [(None,)]
    assert sql("SELECT count(*) FROM comptoir_search.journal") == [(0,)]
    assert ids(index.search("returns")) == ["article:1"]


@pytest.mark.parametrize("url", [None, "sqlite:///instance/portal.db", "mysql://db/site", "not a url"])
def test_any_other_database_is_a_clear_configuration_error(tmp_path, backend, url):
    with pytest.raises(ValueError, match="needs the site's database on PostgreSQL"):
        create_index("postgresql", str(tmp_path), database_url=url)
