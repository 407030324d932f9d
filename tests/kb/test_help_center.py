"""The public help center as a visitor uses it."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.kb import services
from portal.kb.models import Article, ArticleStatus, SearchLog
from tests.factories import make_article, make_category


@pytest.fixture
def shipping(app):
    category = make_category(slug="shipping", names={"en": "Shipping", "fr": "Livraison"})
    en = make_article(category, title="Where is my order?", slug="where-is-my-order", tags=["tracking"],
                      body="Intro.\n\n## Track your parcel\n\nUse the tracking link.\n\n## Late parcels\n\nWait two days.")
    fr = make_article(category, title="Où est ma commande ?", slug="ou-est-ma-commande", lang="fr",
                      tags=["suivi"], body="## Suivre mon colis\n\nUtilisez le lien de suivi.")
    services.link_translation(fr, en)
    make_article(category, title="Delivery costs", slug="delivery-costs", tags=["tracking", "costs"],
                 body="Delivery is free from 50 euros.")
    make_article(category, title="Secret draft", slug="secret-draft", status=ArticleStatus.DRAFT)
    db.session.commit()
    return en


def test_home_lists_categories_and_popular_articles(client, shipping):
    page = client.get("/help/en/").get_data(as_text=True)
    assert "How can we help?" in page
    assert 'href="/help/en/categories/shipping"' in page
    assert "Where is my order?" in page
    assert "Secret draft" not in page


def test_help_root_redirects_to_the_visitor_language(client, shipping):
    response = client.get("/help/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/help/fr/")


def test_category_page_lists_published_articles(client, shipping):
    page = client.get("/help/en/categories/shipping").get_data(as_text=True)
    assert "Delivery costs" in page and "Secret draft" not in page
    assert client.get("/help/en/categories/nope").status_code == 404


def test_article_page_has_breadcrumbs_toc_related_and_translation(client, shipping):
    page = client.get("/help/en/articles/where-is-my-order").get_data(as_text=True)
    assert 'aria-label="Breadcrumb"' in page and ">Shipping<" in page
    assert 'href="#track-your-parcel"' in page and 'id="track-your-parcel"' in page
    assert "Delivery costs" in page  # related by tag
    assert 'href="/help/fr/articles/ou-est-ma-commande"' in page
    assert "Last updated" in page


def test_draft_and_unknown_articles_are_404(client, shipping):
    assert client.get("/help/en/articles/secret-draft").status_code == 404
    assert client.get("/help/en/articles/nothing-here").status_code == 404
    assert client.get("/help/de/articles/where-is-my-order").status_code == 404


def test_views_are_counted(client, shipping):
    client.get("/help/en/articles/where-is-my-order")
    client.get("/help/en/articles/where-is-my-order")
    db.session.expire_all()
    assert db.session.get(Article, shipping.id).view_count == 2


def test_helpful_vote_counts_once_per_visitor(client, shipping):
    url = "/help/en/articles/where-is-my-order"
    client.post(url + "/vote", data={"helpful": "yes"})
    client.post(url + "/vote", data={"helpful": "yes"})
    page = client.get(url).get_data(as_text=True)
    assert "Thanks for your feedback" in page
    assert "1 person found this helpful" in page
    other = client.application.test_client()
    other.post(url + "/vote", data={"helpful": "no"})
    db.session.expire_all()
    article = db.session.get(Article, shipping.id)
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_search_finds_highlights_and_logs(client, shipping):
    page = client.get("/help/en/search?q=tracking").get_data(as_text=True)
    assert "Where is my order?" in page and "<mark>" in page
    assert "Secret draft" not in page
    log = db.session.scalar(select(SearchLog).order_by(SearchLog.id.desc()))
    assert (log.query, log.lang, log.result_count) == ("tracking", "en", 2)
    client.get(f"/help/en/articles/where-is-my-order?s={log.id}")
    db.session.refresh(log)
    assert log.clicked_article_id == shipping.id


def test_search_with_typo_offers_did_you_mean(client, shipping):
    page = client.get("/help/en/search?q=trackng").get_data(as_text=True)
    assert "Where is my order?" in page
    assert "tracking" in page


def test_search_with_no_result_is_logged_as_zero(client, shipping):
    page = client.get("/help/en/search?q=zzzqqq").get_data(as_text=True)
    assert "We could not find an article" in page
    log = db.session.scalar(select(SearchLog).order_by(SearchLog.id.desc()))
    assert log.result_count == 0


@pytest.mark.parametrize("q", ["title:(", '"unclosed', "AND", "OR NOT", "*", "~", "^2", "[a TO", "a" * 3000,
                               "%00", "<script>alert(1)</script>", "((((", "\\"])
def test_any_input_searches_safely(client, shipping, q):
    response = client.get("/help/en/search", query_string={"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_search_category_filter_and_bad_page(client, shipping):
    other = make_category(slug="payments", names={"en": "Payments"})
    make_article(other, title="Tracking a refund payment", slug="refund-tracking", tags=["payments"])
    page = client.get("/help/en/search?q=tracking&category=payments").get_data(as_text=True)
    assert "Tracking a refund payment" in page and "Where is my order?" not in page
    assert client.get("/help/en/search?q=tracking&page=999").status_code == 200
    assert client.get("/help/en/search?q=tracking&page=abc").status_code == 200


def test_suggestions_endpoint(client, shipping):
    data = client.get("/help/en/suggest?q=wher").get_json()
    assert data and data[0]["title"] == "Where is my order?"
    assert data[0]["url"] == "/help/en/articles/where-is-my-order"
    assert client.get("/help/en/suggest?q=").get_json() == []


def test_french_search_folds_accents(client, shipping):
    page = client.get("/help/fr/search?q=ou est ma commande").get_data(as_text=True)
    assert "Où est ma commande ?" in page


def test_published_edit_is_searchable_at_once(app, client, shipping):
    services.update_article(shipping, body="Now mentions parcels with a xylophone.")
    db.session.commit()
    page = client.get("/help/en/search?q=xylophone").get_data(as_text=True)
    assert "Where is my order?" in page
    services.set_status(shipping, ArticleStatus.DRAFT)
    db.session.commit()
    page = client.get("/help/en/search?q=xylophone").get_data(as_text=True)
    assert "Where is my order?" not in page


def test_hostile_markdown_in_an_article_is_neutralised(client, app):
    article = make_article(title="Hostile", slug="hostile",
                           body="[x](javascript:alert(1)) <img src=x onerror=alert(2)> <script>alert(3)</script>\n\n"
                                "[y](JaVaScRiPt:alert(4)) ![z](data:text/html;base64,AAAA)\n\n```\n<script>shown</script>\n```")
    page = client.get(f"/help/en/articles/{article.slug}").get_data(as_text=True)
    body = page.split('id="article-title"')[1]
    assert "javascript:" not in body.lower() and "onerror" not in body and "<script>alert" not in body
    assert "data:text" not in body
    assert "&lt;script&gt;shown&lt;/script&gt;" in body
