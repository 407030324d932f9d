"""/api/v1/help-center and /api/v1/search: categories and articles written, published and searched through
the editor's services; drafts stay hidden from those who cannot edit."""
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.kb.models import Article, ArticleRevision, ArticleStatus, Category, SearchLog
from tests.api.conftest import error_of
from tests.factories import make_article, make_category, make_user

RW = ("help_center:read", "help_center:write")


def editor():
    return make_user(Role.EDITOR, name="Eda Editor")


def test_categories_crud(api, token):
    secret = token(editor(), *RW)
    created = api.post("/help-center/categories", token=secret, json={
        "names": {"en": "Shipping", "fr": "Livraison"}, "descriptions": {"en": "Parcels."}, "position": 2})
    assert created.status_code == 201, created.get_json()
    category = created.get_json()
    assert category["slug"] == "shipping" and category["names"] == {"en": "Shipping", "fr": "Livraison"}
    assert created.headers["Location"] == f"/api/v1/help-center/categories/{category['id']}"
    clash = api.post("/help-center/categories", token=secret, json={"names": {"en": "Shipping"}})
    assert clash.status_code == 409 and error_of(clash)["field"] == "slug"
    renamed = api.patch(f"/help-center/categories/{category['id']}", token=secret,
                        json={"names": {"en": "Delivery"}, "position": 5})
    assert renamed.status_code == 200
    assert renamed.get_json()["names"] == {"en": "Delivery"} and renamed.get_json()["slug"] == "shipping"
    assert renamed.get_json()["descriptions"] == {"en": "Parcels."}
    listed = api.get("/help-center/categories", token=secret).get_json()["data"]
    assert [c["id"] for c in listed] == [category["id"]]
    assert api.get(f"/help-center/categories/{category['id']}", token=secret).get_json()["position"] == 5
    make_article(category=db.session.get(Category, category["id"]))
    busy = api.delete(f"/help-center/categories/{category['id']}", token=secret)
    assert busy.status_code == 409
    empty = make_category()
    gone = api.delete(f"/help-center/categories/{empty.id}", token=secret)
    assert gone.status_code == 204 and gone.data == b""
    assert db.session.get(Category, empty.id) is None
    assert api.get(f"/help-center/categories/{empty.id}", token=secret).status_code == 404


def test_write_publish_and_unpublish_an_article(api, token, client):
    category = make_category(slug="returns")
    secret = token(editor(), *RW)
    created = api.post("/help-center/articles", token=secret, json={
        "title": "How to return an item", "body": "## Steps\n\nPrint the label.", "category_id": category.id,
        "tags": ["Returns"], "summary": "Send it back."})
    assert created.status_code == 201, created.get_json()
    article = created.get_json()
    assert article["status"] == "draft" and article["slug"] == "how-to-return-an-item" and article["url"] is None
    assert article["revision"] == 1 and created.headers["ETag"] == '"1"' and article["tags"] == ["returns"]
    assert client.get("/help/en/articles/how-to-return-an-item").status_code == 404
    published = api.post(f"/help-center/articles/{article['id']}/publish", token=secret)
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    assert published.get_json()["url"] == "/help/en/articles/how-to-return-an-item"
    assert published.get_json()["published_at"].endswith("Z")
    assert "Print the label." in client.get("/help/en/articles/how-to-return-an-item").get_data(as_text=True)
    shown = api.get(f"/help-center/articles/{article['id']}", token=secret)
    assert shown.status_code == 200 and shown.get_json()["body"] == "## Steps\n\nPrint the label."
    assert shown.headers["ETag"] == '"2"' and shown.get_json()["revision"] == 2
    found = api.get("/search?q=label", token=secret).get_json()
    assert [hit["article_id"] for hit in found["data"]] == [article["id"]]
    unpublished = api.post(f"/help-center/articles/{article['id']}/unpublish", token=secret)
    assert unpublished.get_json()["status"] == "draft"
    archived = api.post(f"/help-center/articles/{article['id']}/archive", token=secret)
    assert archived.get_json()["status"] == "archived"
    revisions = db.session.scalar(select(func.count(ArticleRevision.id)).where(
        ArticleRevision.article_id == article["id"]))
    assert revisions == 4  # created, published, unpublished, archived


def test_edit_an_article_with_if_match_on_its_revision(api, token):
    article = make_article(title="Old title", status=ArticleStatus.DRAFT)
    secret = token(editor(), *RW)
    edited = api.patch(f"/help-center/articles/{article.id}", token=secret, json={"title": "New title"},
                       headers={"If-Match": '"1"'})
    assert edited.status_code == 200 and edited.get_json()["title"] == "New title"
    assert edited.get_json()["revision"] == 2 and edited.headers["ETag"] == '"2"'
    assert edited.get_json()["body"] == article.body  # not sent, not changed
    stale = api.patch(f"/help-center/articles/{article.id}", token=secret, json={"title": "Lost edit"},
                      headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and error_of(stale)["code"] == "version_mismatch"
    assert db.session.get(Article, article.id).title == "New title"
    too_long = api.patch(f"/help-center/articles/{article.id}", token=secret, json={"title": "x" * 201})
    assert too_long.status_code == 422 and error_of(too_long)["field"] == "title"
    moved = api.patch(f"/help-center/articles/{article.id}", token=secret, json={"category_id": 987654})
    assert moved.status_code == 422 and error_of(moved)["field"] == "category_id"


def test_article_errors(api, token):
    category = make_category()
    taken = make_article(category=category, title="Taken", slug="taken")
    secret = token(editor(), *RW)
    clash = api.post("/help-center/articles", token=secret, json={"title": "Other", "slug": "taken",
                                                                   "category_id": category.id})
    assert clash.status_code == 409 and error_of(clash)["field"] == "slug"
    no_category = api.post("/help-center/articles", token=secret, json={"title": "X", "category_id": 987654})
    assert no_category.status_code == 422 and error_of(no_category)["field"] == "category_id"
    german = api.post("/help-center/articles", token=secret, json={"title": "X", "category_id": category.id,
                                                                    "lang": "de"})
    assert german.status_code == 422 and error_of(german)["field"] == "lang"
    published = api.delete(f"/help-center/articles/{taken.id}", token=secret)
    assert published.status_code == 409
    draft = make_article(category=category, status=ArticleStatus.DRAFT)
    assert api.delete(f"/help-center/articles/{draft.id}", token=secret).status_code == 204
    assert db.session.get(Article, draft.id) is None
    assert api.get("/help-center/articles/987654", token=secret).status_code == 404


def test_only_editors_see_drafts(api, token, agent):
    published = make_article(title="Public one")
    draft = make_article(title="Secret draft", status=ArticleStatus.DRAFT)
    reader = token(agent, "help_center:read")
    listed = api.get("/help-center/articles", token=reader).get_json()["data"]
    assert [a["id"] for a in listed] == [published.id]
    assert api.get(f"/help-center/articles/{draft.id}", token=reader).status_code == 404
    editing = token(editor(), "help_center:read")
    assert {a["id"] for a in api.get("/help-center/articles", token=editing).get_json()["data"]} == {
        published.id, draft.id}
    drafts = api.get("/help-center/articles?status=draft", token=editing).get_json()["data"]
    assert [a["id"] for a in drafts] == [draft.id]


def test_list_articles_by_language_and_category_in_pages(api, token):
    category = make_category()
    english = [make_article(category=category, title=f"English {n}") for n in range(3)]
    make_article(title="Français", lang="fr")
    secret = token(editor(), "help_center:read")
    first = api.get(f"/help-center/articles?lang=en&category={category.id}&limit=2", token=secret).get_json()
    rest = api.get(f"/help-center/articles?lang=en&category={category.id}&limit=2&cursor={first['next_cursor']}",
                   token=secret).get_json()
    assert [a["id"] for a in first["data"] + rest["data"]] == [a.id for a in reversed(english)]
    assert rest["next_cursor"] is None


def test_search_is_not_logged_as_a_visitor_search(api, token, agent):
    make_article(title="Tracking a parcel", body="Follow the tracking link in the mail.")
    secret = token(agent, "help_center:read")
    response = api.get("/search?q=tracking&lang=en", token=secret)
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 1 and data["data"][0]["title"] == "Tracking a parcel"
    assert data["data"][0]["url"].startswith("/help/en/articles/")
    assert db.session.scalar(select(func.count(SearchLog.id))) == 0
    assert api.get("/search", token=secret).status_code == 400  # q is required
    assert api.get("/search?q=x&lang=de", token=secret).status_code == 400


def test_agents_cannot_write_articles(api, token, agent):
    from portal.api import services

    import pytest

    from portal.errors import ValidationError

    with pytest.raises(ValidationError):
        services.create_token(user=agent, name="x", scopes=["help_center:write"])
    secret = token(agent, "help_center:read")
    response = api.post("/help-center/articles", token=secret, json={"title": "X", "category_id": 1})
    assert response.status_code == 403
