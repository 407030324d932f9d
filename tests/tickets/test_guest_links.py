"""A guest's signed link works as sent; every tampered form of it is a plain 404 (no redirect, no other page)."""
import pytest

from portal.extensions import db
from portal.tickets import links
from tests.factories import make_ticket


@pytest.fixture
def token(app):
    ticket = make_ticket(email="guest@example.com")
    db.session.commit()
    return links.guest_token(ticket)


def tampered(token: str) -> list[str]:
    head, _, signature = token.rpartition(".")
    base = f"/help/requests/{token}"
    return [
        f"{base}/", f"{base}//", f"{base}/..", f"{base}/../", f"{base}/.", f"{base}/x", f"{base}%2F",
        f"{base}%2f..%2f", f"{base}/%2e%2e", f"{base}..", f"{base}%00", f"{base}/files/", f"{base}/files/1/",
        f"{base}//files/1", f"{base}/solve/", f"{base}/files/99999999999999999999",
        f"/help/requests//{token}", f"/help//requests/{token}", f"//help/requests/{token}",
        f"/help/requests/..{token}", f"/help/requests/{head}", f"/help/requests/{head}.{signature[:-1]}",
        f"/help/requests/{head}/{signature}", f"/help/requests/{token}{'A' * 300}", f"/help/requests/{'A' * 300}",
        "/help/requests/..", "/help/requests/../", "/help/requests/%2e%2e", "/help/requests/%2e%2e/",
        "/help/requests/..%2f..%2fportal.db", "/help/requests/", "/help/requests//", "/help/requests/a/b/c",
        f"/help/requests/{token.replace('.', '/')}",
        # Where a client that normalises dot segments sends "{base}/../../x" and "{base}/../x".
        "/help/x", "/help/requests/x",
    ]


def test_the_link_as_sent_opens_the_request(client, token):
    assert client.get(f"/help/requests/{token}").status_code == 200


def test_every_tampered_guest_link_is_a_plain_404(client, token):
    answers = {url: client.get(url) for url in tampered(token)}
    wrong = {url[:90]: (r.status_code, r.headers.get("Location")) for url, r in answers.items()
             if r.status_code != 404 or "Location" in r.headers}
    assert wrong == {}


def test_tampered_links_to_posting_routes_are_404_too(client, token):
    for url in (f"/help/requests/{token}/", f"/help/requests//{token}", f"/help/requests/{token}//solve",
                f"/help/requests/{token}/solve/", f"/help/requests/{'A' * 300}/solve"):
        response = client.post(url, data={"body": "hello"})
        assert (response.status_code, response.headers.get("Location")) == (404, None), url
