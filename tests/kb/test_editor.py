"""The staff article editor at /staff/kb as editors use it: write, publish, revise, restore, archive."""
import re

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.kb import services
from portal.kb import categories as category_services
from portal.kb.models import Article, ArticleRevision, ArticleStatus
from tests.factories import make_article, make_category, make_user


def log_in(client, user):
    # /login is being built elsewhere: open the session the way Flask-Login does.
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


@pytest.fixture
def editor(client):
    user = make_user(role=Role.EDITOR, name="Eddie Editor")
    log_in(client, user)
    return user


@pytest.fixture
def shipping(app):
    return make_category(slug="shipping", names={"en": "Shipping", "fr": "Livraison"})


def article_form(category, **fields):
    data = {"title": "Returning a parcel", "slug": "", "lang": "en", "category": str(category.id), "section": "",
            "summary": "How to send an order back.", "tags": "returns, parcels", "position": "0",
            "translation": "", "body": "## Steps\n\nPrint the prepaid label.", "note": "", "action": "draft"}
    data.update({key: str(value) for key, value in fields.items()})
    return data


def edit_form(article, **fields):
    data = article_form(article.category, title=article.title, slug=article.slug, lang=article.lang,
                        summary=article.summary, tags=", ".join(article.tags), body=article.body,
                        base_revision=services.latest_revision_number(article), action="save")
    data.update({key: str(value) for key, value in fields.items()})
    return data


def create(client, category, **fields):
    response = client.post("/staff/kb/new", data=article_form(category, **fields))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.get(Article, int(re.search(r"/staff/kb/(\d+)/edit", response.headers["Location"]).group(1)))


def article_count():
    return db.session.scalar(select(func.count(Article.id)))


def revision_count(article):
    return db.session.scalar(select(func.count(ArticleRevision.id)).where(ArticleRevision.article_id == article.id))


def found_by_search(client, words, slug, lang="en"):
    page = client.get(f"/help/{lang}/search", query_string={"q": words}).get_data(as_text=True)
    return f'/help/{lang}/articles/{slug}' in page


# Writing and publishing

def test_editor_page_has_fields_live_preview_and_image_insert(client, editor, shipping):
    page = client.get("/staff/kb/new").get_data(as_text=True)
    assert re.search(r'<textarea [^>]*class="editor"[^>]*name="body"', page)
    assert 'data-preview-url="/staff/kb/preview"' in page and 'data-upload-url="/staff/kb/uploads"' in page
    assert "js/editor.js" in page and 'id="preview"' in page
    assert ">Save draft<" in page and ">Publish<" in page and "Insert image" in page
    assert '<option value="%d">Shipping</option>' % shipping.id in page


def test_new_draft_is_saved_but_not_public(client, editor, shipping):
    article = create(client, shipping)
    assert article.status == ArticleStatus.DRAFT and article.slug == "returning-a-parcel"
    assert article.tags == ["returns", "parcels"] and article.author_id == editor.id
    assert client.get("/help/en/articles/returning-a-parcel").status_code == 404
    listing = client.get("/staff/kb/").get_data(as_text=True)
    assert "Returning a parcel" in listing and 'class="badge badge-draft"' in listing and "Eddie Editor" in listing


def test_publishing_makes_the_article_public_and_searchable(client, editor, shipping):
    article = create(client, shipping, body="Print the prepaid label and drop the parcel at a relay point.")
    assert not found_by_search(client, "relay point", "returning-a-parcel")
    response = client.post(f"/staff/kb/{article.id}/publish", follow_redirects=True)
    assert "is live in the help center" in response.get_data(as_text=True)
    page = client.get("/help/en/articles/returning-a-parcel")
    assert page.status_code == 200 and "prepaid label" in page.get_data(as_text=True)
    assert found_by_search(client, "relay point", "returning-a-parcel")


def test_publish_button_on_a_new_article_publishes_at_once(client, editor, shipping):
    create(client, shipping, title="Gift wrapping", body="We wrap gifts for free.", action="publish")
    assert client.get("/help/en/articles/gift-wrapping").status_code == 200
    assert found_by_search(client, "wrap gifts", "gift-wrapping")


def test_published_article_offers_save_and_unpublish(client, editor, shipping):
    article = make_article(shipping, title="Opening hours", body="Open every day.")
    page = client.get(f"/staff/kb/{article.id}/edit").get_data(as_text=True)
    assert ">Save<" in page and ">Unpublish<" in page and ">Save draft<" not in page
    client.post(f"/staff/kb/{article.id}/edit", data=edit_form(article, body="Open every day, 9 to 18."))
    assert article.status == ArticleStatus.PUBLISHED
    assert "9 to 18" in client.get("/help/en/articles/opening-hours").get_data(as_text=True)


def test_unpublish_removes_the_article_from_the_page_and_search(client, editor, shipping):
    article = create(client, shipping, body="Parcels travel by carrier pigeon.", action="publish")
    assert found_by_search(client, "pigeon", article.slug)
    client.post(f"/staff/kb/{article.id}/unpublish")
    assert article.status == ArticleStatus.DRAFT
    assert client.get(f"/help/en/articles/{article.slug}").status_code == 404
    assert not found_by_search(client, "pigeon", article.slug)


def test_unpublish_button_in_the_editor_saves_and_unpublishes(client, editor, shipping):
    article = create(client, shipping, action="publish")
    client.post(f"/staff/kb/{article.id}/edit", data=edit_form(article, body="Changed.", action="unpublish"))
    assert article.status == ArticleStatus.DRAFT and article.body == "Changed."
    assert client.get(f"/help/en/articles/{article.slug}").status_code == 404


def test_translation_is_linked_from_the_editor(client, editor, shipping):
    english = make_article(shipping, title="Where is my order?", slug="where-is-my-order")
    french = create(client, shipping, title="Où est ma commande ?", lang="fr", translation=english.id, action="publish")
    assert french.slug == "ou-est-ma-commande" and french.translation_key == english.translation_key is not None
    page = client.get("/help/en/articles/where-is-my-order").get_data(as_text=True)
    assert 'href="/help/fr/articles/ou-est-ma-commande"' in page


def test_section_select_is_grouped_by_category_and_checked(client, editor, shipping):
    category_services.save_section(category=shipping, slug="returns", names={"en": "Returns"})
    billing = make_category(slug="billing", names={"en": "Billing"})
    invoices = category_services.save_section(category=billing, slug="invoices", names={"en": "Invoices"})
    db.session.commit()
    page = client.get("/staff/kb/new").get_data(as_text=True)
    assert '<optgroup label="Shipping">' in page and '<optgroup label="Billing">' in page
    response = client.post("/staff/kb/new", data=article_form(shipping, section=invoices.id))
    assert "That section belongs to another category." in response.get_data(as_text=True)
    assert article_count() == 0


def test_preview_button_without_script_renders_and_saves_nothing(client, editor, shipping):
    response = client.post("/staff/kb/new", data=article_form(shipping, body="Some **bold** words", action="preview"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>bold</strong>" in page and "Nothing is saved" in page
    assert article_count() == 0


# Validation and conflicts

def test_empty_title_is_shown_on_the_field_and_nothing_is_saved(client, editor, shipping):
    response = client.post("/staff/kb/new", data=article_form(shipping, title="  "))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="title-error">[^<]*title is required', page)
    assert "Nothing was saved" in page and article_count() == 0


def test_duplicate_slug_is_shown_on_the_field_and_nothing_is_saved(client, editor, shipping):
    make_article(shipping, title="Returns", slug="returns")
    response = client.post("/staff/kb/new", data=article_form(shipping, slug="returns"))
    assert re.search(r'id="slug-error">[^<]*already uses the slug', response.get_data(as_text=True))
    assert article_count() == 1


def test_invalid_edit_changes_nothing(client, editor, shipping):
    article = make_article(shipping, title="Opening hours")
    response = client.post(f"/staff/kb/{article.id}/edit", data=edit_form(article, title="", body="New text"))
    assert 'id="title-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert article.title == "Opening hours" and "New text" not in article.body and revision_count(article) == 1


def test_stale_save_is_refused_with_a_link_to_revisions(client, editor, shipping):
    article = make_article(shipping, title="Opening hours", body="Open every day.")
    page = client.get(f"/staff/kb/{article.id}/edit").get_data(as_text=True)
    assert 'name="base_revision" type="hidden" value="1"' in page
    colleague = make_user(role=Role.EDITOR)
    services.update_article(article, actor=colleague, body="Closed on Sundays.")
    db.session.commit()

    response = client.post(f"/staff/kb/{article.id}/edit",
                           data=edit_form(article, body="Open 24/7.", base_revision=1))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone saved this article while you were editing" in page
    assert f'href="/staff/kb/{article.id}/revisions"' in page
    db.session.expire_all()
    assert article.body == "Closed on Sundays." and revision_count(article) == 2


# Revisions

def test_edit_creates_a_revision_and_the_diff_shows_the_change(client, editor, shipping):
    article = create(client, shipping, body="Print the label.")
    client.post(f"/staff/kb/{article.id}/edit",
                data=edit_form(article, body="Print the prepaid label.", note="Mention prepaid"))
    revisions = client.get(f"/staff/kb/{article.id}/revisions").get_data(as_text=True)
    assert "Revision 2" in revisions and "Mention prepaid" in revisions and "Eddie Editor" in revisions
    diff = client.get(f"/staff/kb/{article.id}/diff", query_string={"new": 2}).get_data(as_text=True)
    assert "<del>- Print the label.</del>" in diff and "<ins>+ Print the prepaid label.</ins>" in diff
    old = client.get(f"/staff/kb/{article.id}/revisions/1").get_data(as_text=True)
    assert "Print the label." in old and "prepaid" not in old


def test_diff_between_two_chosen_revisions(client, editor, shipping):
    article = create(client, shipping, body="One.")
    for body in ("Two.", "Three."):
        client.post(f"/staff/kb/{article.id}/edit", data=edit_form(article, body=body))
    diff = client.get(f"/staff/kb/{article.id}/diff", query_string={"old": 1, "new": 3}).get_data(as_text=True)
    assert "from revision 1 to revision 3" in diff
    assert "<del>- One.</del>" in diff and "<ins>+ Three.</ins>" in diff and "Two." not in diff
    assert client.get(f"/staff/kb/{article.id}/diff", query_string={"new": 9}).status_code == 404


def test_restore_brings_the_old_text_back_as_a_new_revision(client, editor, shipping):
    article = create(client, shipping, body="Original wording.", action="publish")
    client.post(f"/staff/kb/{article.id}/edit", data=edit_form(article, body="Bad rewrite."))
    response = client.post(f"/staff/kb/{article.id}/revisions/1/restore", follow_redirects=True)
    assert "Revision 1 restored" in response.get_data(as_text=True)
    assert article.body == "Original wording."
    assert "Restored revision 1" in client.get(f"/staff/kb/{article.id}/revisions").get_data(as_text=True)
    assert "Original wording." in client.get(f"/help/en/articles/{article.slug}").get_data(as_text=True)


# Archive and delete

def test_archive_asks_for_confirmation_first(client, editor, shipping):
    article = make_article(shipping, title="Old offer", slug="old-offer")
    page = client.get(f"/staff/kb/{article.id}/archive").get_data(as_text=True)
    assert "Archive “Old offer”? It will disappear from the help center" in page
    assert article.status == ArticleStatus.PUBLISHED
    response = client.post(f"/staff/kb/{article.id}/archive")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/kb/")
    assert article.status == ArticleStatus.ARCHIVED
    assert client.get("/help/en/articles/old-offer").status_code == 404
    listing = client.get("/staff/kb/", query_string={"status": "archived"}).get_data(as_text=True)
    assert "Old offer" in listing


def test_only_drafts_and_archived_articles_can_be_deleted(client, editor, shipping):
    live = make_article(shipping, title="Live one")
    response = client.get(f"/staff/kb/{live.id}/delete", follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True)
    client.post(f"/staff/kb/{live.id}/delete")
    assert db.session.get(Article, live.id) is not None

    draft = make_article(shipping, title="Abandoned draft", status=ArticleStatus.DRAFT)
    assert "Delete “Abandoned draft”" in client.get(f"/staff/kb/{draft.id}/delete").get_data(as_text=True)
    client.post(f"/staff/kb/{draft.id}/delete")
    db.session.expire_all()
    assert db.session.get(Article, draft.id) is None and revision_count(draft) == 0


# The list

def test_list_filters_by_status_language_category_and_text(client, editor, shipping):
    billing = make_category(slug="billing", names={"en": "Billing"})
    make_article(shipping, title="Tracking a parcel")
    make_article(billing, title="Paying by card", lang="fr", status=ArticleStatus.DRAFT, body="Visa and Mastercard.")

    def titles(**filters):
        page = client.get("/staff/kb/", query_string=filters).get_data(as_text=True)
        return {title for title in ("Tracking a parcel", "Paying by card") if title in page}

    assert titles() == {"Tracking a parcel", "Paying by card"}
    assert titles(status="draft") == {"Paying by card"}
    assert titles(lang="en") == {"Tracking a parcel"}
    assert titles(category=billing.id) == {"Paying by card"}
    assert titles(q="mastercard") == {"Paying by card"}


def test_list_shows_counts_and_pages_without_n_plus_one(client, editor, shipping, count_queries):
    for n in range(30):
        make_article(shipping, title=f"Article {n:02d}", actor=editor)
    article = db.session.scalar(select(Article).where(Article.title == "Article 29"))
    article.view_count, article.helpful_yes, article.helpful_no = 42, 7, 1
    db.session.commit()
    with count_queries() as statements:
        first = client.get("/staff/kb/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "<td>42</td>" in first and "7 yes, 1 no" in first
    assert len(statements) < 15
    second = client.get("/staff/kb/", query_string={"page": 2, "status": "published"}).get_data(as_text=True)
    assert "Page 2 of 2" in second and "status=published" in second


# Preview, CSRF and access

def test_preview_returns_sanitised_html(client, editor):
    response = client.post("/staff/kb/preview",
                           json={"body": "# Hello\n\n<script>alert('x')</script>\n\n**bold** <img src=x onerror=alert(1)>"})
    html = response.get_json()["html"]
    assert response.status_code == 200 and "<strong>bold</strong>" in html and "Hello</h1>" in html
    assert "<script" not in html and "alert" not in html and "onerror" not in html
    form_post = client.post("/staff/kb/preview", data={"body": "*hi*"}).get_json()
    assert form_post["html"] == "<p><em>hi</em></p>"


def test_preview_and_upload_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        log_in(client, make_user(role=Role.EDITOR))
        assert client.post("/staff/kb/preview", json={"body": "hi"}).status_code == 400
        assert client.post("/staff/kb/uploads", data={}).status_code == 400
        page = client.get("/staff/kb/new").get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
        ok = client.post("/staff/kb/preview", json={"body": "hi"}, headers={"X-CSRFToken": token})
        assert ok.status_code == 200 and ok.get_json()["html"] == "<p>hi</p>"
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("role", [Role.AGENT, Role.CUSTOMER])
def test_agents_and_customers_get_404(client, shipping, role):
    article = make_article(shipping)
    log_in(client, make_user(role=role))
    for url in ("/staff/kb/", "/staff/kb/new", f"/staff/kb/{article.id}/edit", f"/staff/kb/{article.id}/revisions"):
        assert client.get(url).status_code == 404, url
    assert client.post("/staff/kb/preview", json={"body": "x"}).status_code == 404
    assert client.post(f"/staff/kb/{article.id}/unpublish").status_code == 404
    assert article.status == ArticleStatus.PUBLISHED


def test_managers_can_edit(client, shipping):
    log_in(client, make_user(role=Role.MANAGER))
    assert client.get("/staff/kb/").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client, shipping):
    article = make_article(shipping)
    for url in ("/staff/kb/", "/staff/kb/new", f"/staff/kb/{article.id}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert "/login" in client.post(f"/staff/kb/{article.id}/unpublish").headers["Location"]
    assert article.status == ArticleStatus.PUBLISHED
