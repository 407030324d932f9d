"""Managing help-center categories and sections at /staff/kb/categories."""
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.kb import categories as category_services
from portal.kb.models import Article, Category, Section
from tests.factories import make_article, make_category, make_user


def log_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


@pytest.fixture
def editor(client):
    user = make_user(role=Role.EDITOR)
    log_in(client, user)
    return user


@pytest.fixture
def shipping(app):
    category = make_category(slug="shipping", names={"en": "Shipping", "fr": "Livraison"})
    category_services.save_section(category=category, slug="returns", names={"en": "Returns"})
    db.session.commit()
    return category


def category_form(**fields):
    data = {"slug": "", "name_en": "Payments", "name_fr": "Paiements", "description_en": "Cards and invoices.",
            "description_fr": "Cartes et factures.", "position": "3"}
    data.update(fields)
    return data


def category_count():
    return db.session.scalar(select(func.count(Category.id)))


def test_list_shows_categories_sections_and_article_counts(client, editor, shipping):
    returns = shipping.sections[0]
    make_article(shipping, title="Send it back", section=returns)
    make_article(shipping, title="Delivery times")
    page = client.get("/staff/kb/categories").get_data(as_text=True)
    assert "Shipping" in page and "2 articles" in page
    assert re.search(r"<td>Returns</td>\s*<td><code>returns</code></td>\s*<td>1</td>", page)


def test_create_category_then_use_it_in_the_editor(client, editor):
    response = client.post("/staff/kb/categories/new", data=category_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/kb/categories")
    category = db.session.scalar(select(Category).where(Category.slug == "payments"))
    assert category.names == {"en": "Payments", "fr": "Paiements"} and category.position == 3
    assert category.descriptions["fr"] == "Cartes et factures."
    assert "Payments" in client.get("/staff/kb/categories").get_data(as_text=True)
    assert f'<option value="{category.id}">Payments</option>' in client.get("/staff/kb/new").get_data(as_text=True)


def test_english_name_is_required(client, editor):
    response = client.post("/staff/kb/categories/new", data=category_form(name_en=""))
    assert re.search(r'id="name_en-error">[^<]*English name is required', response.get_data(as_text=True))
    assert category_count() == 0


def test_duplicate_category_slug_is_refused_on_the_field(client, editor, shipping):
    response = client.post("/staff/kb/categories/new", data=category_form(slug="shipping"))
    assert re.search(r'id="slug-error">[^<]*already uses the slug', response.get_data(as_text=True))
    assert category_count() == 1


def test_edit_category(client, editor, shipping):
    form = client.get(f"/staff/kb/categories/{shipping.id}/edit").get_data(as_text=True)
    assert 'value="Livraison"' in form
    client.post(f"/staff/kb/categories/{shipping.id}/edit",
                data=category_form(slug="shipping", name_en="Shipping and delivery", name_fr="Livraison"))
    assert shipping.names["en"] == "Shipping and delivery" and shipping.slug == "shipping"


def test_delete_is_refused_while_the_category_has_articles(client, editor, shipping):
    article = make_article(shipping)
    assert "Delete the category “Shipping”" in client.get(f"/staff/kb/categories/{shipping.id}/delete").get_data(as_text=True)
    response = client.post(f"/staff/kb/categories/{shipping.id}/delete", follow_redirects=True)
    assert "still has 1 article(s)" in response.get_data(as_text=True)
    assert db.session.get(Category, shipping.id) is not None and db.session.get(Article, article.id) is not None


def test_empty_category_is_deleted_with_its_sections(client, editor, shipping):
    response = client.post(f"/staff/kb/categories/{shipping.id}/delete", follow_redirects=True)
    assert "Category “Shipping” deleted." in response.get_data(as_text=True)
    db.session.expire_all()
    assert category_count() == 0 and db.session.scalar(select(func.count(Section.id))) == 0


def test_add_edit_and_delete_a_section(client, editor, shipping):
    client.post(f"/staff/kb/categories/{shipping.id}/sections/new",
                data={"slug": "", "name_en": "Delays", "name_fr": "Retards", "position": "2"})
    section = db.session.scalar(select(Section).where(Section.slug == "delays"))
    assert section.category_id == shipping.id and section.names == {"en": "Delays", "fr": "Retards"}
    assert '<option value="%d">Delays</option>' % section.id in client.get("/staff/kb/new").get_data(as_text=True)

    client.post(f"/staff/kb/categories/sections/{section.id}/edit",
                data={"slug": "delays", "name_en": "Late parcels", "name_fr": "Retards", "position": "2"})
    assert section.names["en"] == "Late parcels"

    article = make_article(shipping, section=section)
    assert "Its articles stay in the category" in client.get(
        f"/staff/kb/categories/sections/{section.id}/delete").get_data(as_text=True)
    client.post(f"/staff/kb/categories/sections/{section.id}/delete")
    db.session.expire_all()
    assert db.session.get(Section, section.id) is None
    assert article.section_id is None and article.category_id == shipping.id


def test_section_slug_must_be_unique_in_its_category(client, editor, shipping):
    response = client.post(f"/staff/kb/categories/{shipping.id}/sections/new",
                           data={"slug": "returns", "name_en": "Returns again", "name_fr": "", "position": "0"})
    assert re.search(r'id="slug-error">[^<]*already has a section', response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Section.id))) == 1


@pytest.mark.parametrize("role", [Role.AGENT, Role.CUSTOMER])
def test_agents_and_customers_get_404(client, shipping, role):
    log_in(client, make_user(role=role))
    assert client.get("/staff/kb/categories").status_code == 404
    assert client.post(f"/staff/kb/categories/{shipping.id}/delete").status_code == 404
    assert db.session.get(Category, shipping.id) is not None


def test_anonymous_visitors_are_sent_to_login(client, shipping):
    response = client.get("/staff/kb/categories")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
