"""Searching: languages, typos, hostile input, ranking, filters, pages, snippets, suggest."""
import pytest
from flask import Flask
from markupsafe import Markup

from portal.search import BACKENDS, SearchResults, get_index, init_app
from tests.search.factories import ids, make_doc


@pytest.fixture
def help_center(index):
    """A small bilingual help centre."""
    index.upsert([
        make_doc(1, "Livraison", "Nous livrons en 48 heures partout en France.", lang="fr",
                 category="shipping"),
        make_doc(2, "Être remboursé", "Les remboursements sont versés sous 14 jours.", lang="fr",
                 category="returns"),
        make_doc(3, "Où est ma commande ?", "Suivez votre colis depuis votre compte.", lang="fr",
                 category="orders"),
        make_doc(4, "Returns and refunds", "Ask for a refund within 30 days.",
                 category="returns"),
        make_doc(5, "Tracking a parcel", "The tracking link is in the shipping email.",
                 category="orders"),
        make_doc(6, "Gift cards", "A gift card never expires.", category="payments",
                 summary="Buying and using gift cards."),
    ])
    return index


@pytest.mark.parametrize("query, lang, expected", [
    ("livraison", None, "article:1"),  # title match, lowercase query
    ("remboursement", "fr", "article:2"),  # singular finds the plural in the body
    ("ou est ma commande", "fr", "article:3"),  # no accents, stop words everywhere
    ("OÙ EST MA COMMANDE", None, "article:3"),
    ("refunds", "en", "article:4"),  # plural finds the singular
    ("where is the refund", "en", "article:4"),  # stop words do not make the query fail
    ("tracked parcels", "en", "article:5"),
])
def test_language_analysis_finds_the_article(help_center, query, lang, expected):
    results = help_center.search(query, lang=lang)

    assert ids(results)[:1] == [expected]
    assert results.suggestion is None and not results.corrected


def test_french_folds_accents_before_and_after_stemming(index):
    index.upsert([make_doc(1, "Commande livrée", "Le colis a été livré.", lang="fr")])

    assert ids(index.search("livree", lang="fr")) == ["article:1"]  # typed without accents
    assert ids(index.search("livrer", lang="fr")) == ["article:1"]  # another form of the verb


def test_language_filter_keeps_other_languages_out(help_center):
    assert help_center.search("remboursement", lang="en").total == 0
    assert ids(help_center.search("refund", lang="fr")) == []


@pytest.mark.parametrize("query, lang, suggestion, expected", [
    ("trackng", "en", "tracking", "article:5"),
    ("Ma comande", "fr", "Ma commande", "article:3"),  # the rest of the text is kept as typed
    ("colsi", None, "colis", "article:3"),  # swapped letters
    ("remboursment", "fr", "remboursements", "article:2"),  # the only spelling in the index
])
def test_a_typo_is_corrected_when_nothing_matches(help_center, query, lang, suggestion, expected):
    results = help_center.search(query, lang=lang)

    assert results.suggestion == suggestion
    assert results.corrected
    assert ids(results)[:1] == [expected]


def test_did_you_mean_prefers_the_closest_then_the_most_frequent_word(index):
    index.upsert([
        make_doc(1, "Demander un remboursement", "Le remboursement arrive vite.", lang="fr"),
        make_doc(2, "Remboursements partiels", "Deux remboursements.", lang="fr"),
        make_doc(3, "Rembourser", "Rembourser un article.", lang="fr"),
    ])

    results = index.search("remboursment", lang="fr")

    assert results.suggestion == "remboursement"
    assert results.corrected and results.total == 3


def test_a_typo_next_to_a_known_word_only_suggests(help_center):
    results = help_center.search("trackng email", lang="en")

    assert results.suggestion == "tracking email"
    assert not results.corrected
    assert ids(results) == ["article:5"]  # found through "email"


def test_no_suggestion_for_words_nowhere_near_the_index(help_center):
    results = help_center.search("zzyzx", lang="en")

    assert results.total == 0 and results.suggestion is None and not results.corrected


HOSTILE = [
    "", "   ", "title:(", 'unbalanced "quote', "AND", "OR NOT", "*", "~", "^", "[a TO",
    "refund~2^3", "(((refund", "body:refund OR title:*", "\\", "\x00", "!!!???...", "😀",
    "a" * 100_000, "refund " * 5_000, "é" * 300, "\u202e\ud7ff", "%s%n{0}", "<script>",
    "NEAR(refund gift, 2)", "{title_en body_en} : refund", "-refund +gift", '""', "'' OR 1=1 --",
    'refund"); DROP TABLE docs; --', "\ud800refund",
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]))
def test_any_input_searches_safely(help_center, query):
    results = help_center.search(query, kinds=("article", "question"), lang=None)

    assert isinstance(results, SearchResults)
    assert results.total == len(results.hits) <= 10
    assert isinstance(help_center.suggest(query), list)


def test_empty_or_punctuation_queries_have_no_results(help_center):
    for query in ["", "   ", "!!!???...", "*", None]:
        results = help_center.search(query)
        assert (results.total, results.hits, results.pages) == (0, [], 0)


def test_query_syntax_is_taken_as_plain_words(help_center):
    assert ids(help_center.search("refund AND", lang="en")) == ["article:4"]
    assert ids(help_center.search("title:refund*", lang="en")) == ["article:4"]


def test_title_and_tags_outrank_the_body(index):
    index.upsert([
        make_doc(1, "Payment methods", "We accept voucher codes."),
        make_doc(2, "Voucher", "How to use it."),
        make_doc(3, "Promotions", "Nothing here.", tags=["voucher"]),
    ])

    assert ids(index.search("voucher")) == ["article:2", "article:3", "article:1"]


def test_documents_with_every_word_come_first(index):
    index.upsert([
        make_doc(1, "Gift", "Gift gift gift: we wrap every gift.", tags=["gift"]),
        make_doc(2, "Balances", "Check the balance of any gift card you were given " + "ok " * 40),
        make_doc(3, "Card payments", "We take every card."),
    ])

    results = index.search("gift card")

    assert ids(results)[0] == "article:2"
    assert results.hits[0].score < results.hits[1].score  # ahead despite a lower BM25F score
    assert set(ids(results)) == {"article:1", "article:2", "article:3"}  # partial matches too


def test_document_boost_ranks_accepted_answers_higher(index):
    index.upsert([
        make_doc(1, "Re: parcel", "Try the relay point.", kind="answer"),
        make_doc(2, "Re: parcel", "Try the relay point.", kind="answer", boost=3.0),
    ])

    assert ids(index.search("relay point", kinds=("answer",))) == ["article:2", "article:1"]


def test_kind_category_and_language_filters(help_center):
    help_center.upsert([make_doc(7, "Refund question", "Is my refund late?", kind="question",
                                 category="returns")])

    assert ids(help_center.search("refund")) == ["article:4"]  # articles by default
    assert ids(help_center.search("refund", kinds=("question",))) == ["article:7"]
    assert len(help_center.search("refund", kinds=("article", "question")).hits) == 2
    assert ids(help_center.search("tracking", category="orders")) == ["article:5"]
    assert help_center.search("tracking", category="returns").total == 0
    assert help_center.search("tracking", category="no-such-category").total == 0


def test_a_language_without_its_own_analysis_is_filtered_by_its_code(index):
    index.upsert([make_doc(1, "Versand", "Lieferung parcel", lang="de"), make_doc(2, "Parcel", "parcel")])

    assert ids(index.search("parcel", lang="en")) == ["article:2"]
    assert ids(index.search("parcel", lang="de")) == ["article:1"]
    assert sorted(ids(index.search("parcel"))) == ["article:1", "article:2"]
    assert [s["id"] for s in index.suggest("vers", lang="de")] == ["article:1"]
    assert index.suggest("vers", lang="en") == []


def test_kind_filter_when_most_documents_are_of_the_wanted_kind(index):
    index.upsert([make_doc(i, f"Parcel question {i}", kind="question") for i in range(5)]
                 + [make_doc(9, "Parcel article")])

    assert index.search("parcel", kinds=("question",)).total == 5
    assert ids(index.search("parcel", kinds=("article",))) == ["article:9"]
    assert index.search("parcel", kinds=("question", "article")).total == 6
    assert index.search("parcel", kinds=("answer",)).total == 0
    assert len(index.suggest("parc", kinds=("question",), limit=10)) == 5


def test_operators_and_column_names_in_the_query_are_plain_words(help_center):
    assert sorted(ids(help_center.search("refund NOT gift", lang="en"))) == ["article:4", "article:6"]
    assert ids(help_center.search("{title_en}: expires", lang="en")) == ["article:6"]


def test_pages(index):
    index.upsert([make_doc(i, f"Parcel {i}", "parcel " * (i % 5 + 1)) for i in range(25)])

    pages = [index.search("parcel", page=n, per_page=10) for n in (1, 2, 3, 4)]

    assert [len(p.hits) for p in pages] == [10, 10, 5, 0]
    assert {(p.total, p.pages, p.per_page) for p in pages} == {(25, 3, 10)}
    assert [p.page for p in pages] == [1, 2, 3, 4]
    assert len({hit.id for p in pages for hit in p.hits}) == 25
    scores = [hit.score for p in pages for hit in p.hits]
    assert scores == sorted(scores, reverse=True)


def test_odd_page_numbers_fall_back_to_the_first_page(help_center):
    for page, per_page in [(0, 10), (-3, 10), ("x", None), (1, 10_000)]:
        results = help_center.search("refund", page=page, per_page=per_page)
        assert results.page == 1 and ids(results) == ["article:4"]
        assert 1 <= results.per_page <= 100


def test_snippet_marks_matches_and_escapes_everything_else(index):
    body = "Intro. " + "Filler words. " * 30 + "Never paste <script>alert(1)</script> & refunds."
    index.upsert([make_doc(1, "<b>Refund</b> policy", body)])

    hit = index.search("refund").hits[0]

    assert isinstance(hit.snippet, Markup)
    assert "<mark>refunds</mark>" in hit.snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in hit.snippet
    assert "<script>" not in hit.snippet
    assert len(hit.snippet) < 320  # around the match, not the whole body
    assert hit.title == "<b>Refund</b> policy"  # plain text: the template escapes it


def test_summary_words_are_searched_and_highlighted(help_center):
    hit = help_center.search("buying").hits[0]

    assert hit.id == "article:6"
    assert hit.snippet.startswith(Markup("<mark>Buying</mark> and using gift cards."))


def test_snippet_without_a_body_match_is_the_escaped_summary(index):
    index.upsert([make_doc(1, "Wishlist", "Save items.", summary="Keep <em>favourites</em>.")])

    hit = index.search("wishlist").hits[0]

    assert hit.snippet == Markup("Keep &lt;em&gt;favourites&lt;/em&gt;.")


def test_hit_carries_the_stored_fields(help_center):
    hit = help_center.search("gift").hits[0]

    assert (hit.id, hit.kind, hit.lang, hit.slug, hit.category) == (
        "article:6", "article", "en", "doc-6", "payments")
    assert hit.fields["url"] == "/help/en/articles/doc-6"
    assert hit.fields["summary"] == "Buying and using gift cards."
    assert hit.score > 0


def test_highlight_can_be_turned_off(help_center):
    hit = help_center.search("refund", highlight=False).hits[0]

    assert "<mark>" not in hit.snippet


def test_suggest_completes_the_last_word_of_titles(help_center):
    found = help_center.suggest("retu")

    assert [s["title"] for s in found] == ["Returns and refunds"]
    assert found[0]["url"] == "/help/en/articles/doc-4" and "body" not in found[0]


def test_suggest_uses_earlier_words_but_does_not_require_them(help_center):
    assert [s["id"] for s in help_center.suggest("gift ca")] == ["article:6"]
    assert [s["id"] for s in help_center.suggest("how do I retu")] == ["article:4"]


def test_suggest_filters_and_limits(help_center):
    assert [s["id"] for s in help_center.suggest("ou est ma com", lang="fr")] == ["article:3"]
    assert help_center.suggest("livr", lang="en") == []
    help_center.upsert([make_doc(10 + i, f"Returns {i}") for i in range(8)])
    assert len(help_center.suggest("ret", limit=3)) == 3
    assert help_center.suggest("ret", kinds=("question",)) == []


def test_init_app_and_get_index(tmp_path, backend, database_url):
    app = Flask(__name__)
    app.config.update(SEARCH_INDEX_PATH=str(tmp_path / "idx"), SEARCH_BACKEND=backend,
                      SQLALCHEMY_DATABASE_URI=database_url)

    init_app(app)

    assert not (tmp_path / "idx").exists()  # nothing touches the disk before the first use
    with app.app_context():
        assert get_index() is app.extensions["search"]
        assert type(get_index()) is BACKENDS[backend]
        get_index().upsert([make_doc(1, "Returns")])
        assert get_index().search("returns").total == 1


def test_whoosh_is_the_default_and_an_unknown_backend_is_refused(tmp_path):
    app = Flask(__name__)
    app.config["SEARCH_INDEX_PATH"] = str(tmp_path / "idx")
    init_app(app)
    assert type(app.extensions["search"]) is BACKENDS["whoosh"]

    app.config["SEARCH_BACKEND"] = "elastic"
    with pytest.raises(ValueError, match="SEARCH_BACKEND"):
        init_app(app)
