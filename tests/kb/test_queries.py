"""The help center's read side: related articles and translations."""
from portal.extensions import db
from portal.kb import queries, services
from portal.kb.models import ArticleStatus
from tests.factories import make_article, make_category


def test_related_articles_rank_shared_tags_then_same_category(app):
    shipping, payments = make_category(slug="shipping"), make_category(slug="payments")
    article = make_article(shipping, title="Delivery costs", tags=["delivery", "costs"])
    both_tags = make_article(payments, title="Paying delivery costs", tags=["costs", "delivery"])
    one_tag_same_category = make_article(shipping, title="Express delivery", tags=["delivery"], position=5)
    same_category = make_article(shipping, title="Tracking", tags=["tracking"], position=1)
    one_tag_elsewhere = make_article(payments, title="Card costs", tags=["costs"])
    make_article(payments, title="Gift cards", tags=["gift"])  # unrelated: other category, no shared tag
    make_article(shipping, title="Draft", tags=["delivery"], status=ArticleStatus.DRAFT)
    make_article(shipping, title="Frais de livraison", tags=["delivery"], lang="fr")

    related = queries.related_articles(article)

    assert [a.title for a in related] == [both_tags.title, one_tag_same_category.title,
                                          one_tag_elsewhere.title, same_category.title]
    assert len(queries.related_articles(article, limit=2)) == 2


def test_translation_of_finds_the_linked_article_in_the_other_language(app):
    category = make_category()
    english = make_article(category, title="Where is my order?")
    french = make_article(category, title="Où est ma commande ?", lang="fr", status=ArticleStatus.DRAFT)
    services.link_translation(french, english)
    db.session.commit()

    assert queries.translation_of(english, "fr") is None  # a draft is not shown to visitors
    assert queries.translation_of(english, "fr", published_only=False) == french
    assert queries.translation_of(french, "en") == english
    assert queries.translation_of(english, "en") is None
