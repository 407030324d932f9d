"""The help center on each search backend, as a visitor and the `portal kb reindex` command use it."""
import pytest

from portal.extensions import db
from portal.search import BACKENDS
from tests.conftest import DATABASE
from tests.factories import make_article, make_category


@pytest.fixture
def site(make_app, backend):
    """An app whose SEARCH_BACKEND is the backend under test, with a small help center."""
    if backend == "postgresql" and DATABASE != "postgresql":
        pytest.skip("the site's database is SQLite (PORTAL_TEST_DATABASE=postgresql runs this)")
    app = make_app(SEARCH_BACKEND=backend)
    with app.app_context():
        category = make_category(slug="shipping", names={"en": "Shipping", "fr": "Livraison"})
        make_article(category, title="Where is my order?", slug="where-is-my-order", tags=["tracking"],
                     body="Use the tracking link in the shipping email.")
        make_article(category, title="Où est ma commande ?", slug="ou-est-ma-commande", lang="fr",
                     body="Utilisez le lien de suivi de votre colis.")
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_configured_backend_serves_search_suggest_and_reindex(site, backend):
    client = site.test_client()
    assert type(site.extensions["search"]) is BACKENDS[backend]

    page = client.get("/help/en/search?q=tracking").get_data(as_text=True)
    assert "Where is my order?" in page and "<mark>tracking</mark>" in page
    assert "Où est ma commande" in client.get("/help/fr/search?q=ou est ma commande").get_data(as_text=True)
    assert "tracking" in client.get("/help/en/search?q=trackng").get_data(as_text=True)
    assert client.get("/help/en/suggest?q=wher").get_json()[0]["url"] == "/help/en/articles/where-is-my-order"

    result = site.test_cli_runner().invoke(args=["kb", "reindex"])

    assert result.exit_code == 0 and "Reindexed 2 documents" in result.output
    assert "Where is my order?" in client.get("/help/en/search?q=tracking").get_data(as_text=True)


def test_the_postgresql_backend_needs_the_site_on_postgresql(make_app):
    if DATABASE == "postgresql":
        pytest.skip("the site's database is PostgreSQL here")
    with pytest.raises(ValueError, match="SEARCH_BACKEND = 'postgresql' needs the site's database on PostgreSQL"):
        make_app(SEARCH_BACKEND="postgresql")
