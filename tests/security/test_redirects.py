"""Open redirects: every redirect that takes user input stays on this site."""
import pytest

from portal.accounts.models import Role
from portal.urls import safe_next
from tests.factories import PASSWORD, make_user

SITE = "http://localhost/"

HOSTILE = [
    "https://evil.example/x", "//evil.example", "///evil.example", "/\\evil.example", "/%5Cevil.example",
    "/%5cevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%252F/evil.example", "/.//evil.example",
    "/./evil", "/../evil", "/a/../../evil", "/%09/evil.example", "/\t/evil.example", "/%0a/evil.example",
    "/%0d%0aLocation:%20https://evil.example", "/%00/evil.example", "\x00/x", " //evil.example",
    "/⁄⁄evil.example", "/%E2%81%84%E2%81%84evil.example", "/%E3%80%82evil.example", "/。evil.example",
    "/／evil.example", "/%EF%BC%8F%EF%BC%8Fevil.example", "/\u200b/evil.example", "/%E2%80%AE/x",
    "http:evil.example", "https:/evil.example", "javascript:alert(1)", "JavaScript:alert(1)",
    "data:text/html,x", "evil.example", "@evil.example", "\\\\evil.example", "/" + "a" * 3000, "",
]
SAFE = ["/", "/portal/", "/staff/tickets/12?view=mine", "/help/en/search?q=caf%C3%A9#top",
        "/help/fr/search?q=retour+colis", "/community/q/3-question?sort=votes"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert safe_next(target, site_url=SITE) is None


@pytest.mark.parametrize("target", SAFE)
def test_site_paths_are_kept(target):
    assert safe_next(target, site_url=SITE) == target


LOGIN_VECTORS = ["/%5Cevil.example", "/%2F/evil.example", "/.//evil.example", "/%09/evil.example",
                 "/⁄⁄evil.example", "/%E3%80%82evil.example", "https://evil.example", "//evil.example"]


def _location(response):
    return response.headers.get("Location", "")


def _assert_stays(response):
    assert response.status_code in (302, 303)
    location = _location(response)
    assert "evil" not in location and location.startswith(("/", "http://localhost/")), location


@pytest.mark.parametrize("target", LOGIN_VECTORS)
def test_login_post_ignores_hostile_next(app, client, target):
    user = make_user(role=Role.CUSTOMER)
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    _assert_stays(response)


@pytest.mark.parametrize("target", LOGIN_VECTORS)
def test_login_get_while_logged_in_ignores_hostile_next(app, client, login, target):
    user = make_user(role=Role.CUSTOMER)
    login(user.email)
    _assert_stays(client.get("/login", query_string={"next": target}))


def test_login_follows_a_site_path(app, client):
    user = make_user(role=Role.CUSTOMER)
    response = client.post("/login?next=/portal/tickets", data={"email": user.email, "password": PASSWORD})
    assert _location(response).endswith("/portal/tickets")


@pytest.mark.parametrize("referrer", ["https://evil.example", "//evil.example", "/\\evil.example",
                                      "http://localhost.evil.example/community/", "http://evil.example/community/"])
def test_community_vote_ignores_foreign_referrer(app, client, login, referrer):
    user = make_user(role=Role.CUSTOMER)
    login(user.email)
    response = client.post("/community/vote", data={"post_type": "question", "post_id": "999", "value": "1"},
                           headers={"Referer": referrer})
    _assert_stays(response)


def test_community_vote_returns_to_the_page_it_came_from(app, client, login):
    user = make_user(role=Role.CUSTOMER)
    login(user.email)
    response = client.post("/community/vote", data={"post_type": "question", "post_id": "999", "value": "1"},
                           headers={"Referer": "http://localhost/community/?sort=new"})
    assert _location(response).endswith("/community/?sort=new")
