"""Security headers on every page; HSTS and Secure cookies over HTTPS (directly or behind a trusted proxy)."""
import pytest

from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize("url", ["/help/en/", "/login", "/community/", "/help/contact", "/no-such-page"])
def test_every_page_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: no HSTS


def test_pages_have_no_inline_script_or_handlers(client):
    for url in ("/help/en/", "/help/en/search?q=order", "/community/", "/login", "/help/contact"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and " onchange=" not in html


def test_https_gets_hsts_and_secure_cookies(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)


def test_a_trusted_proxy_saying_https_gets_secure_cookies(make_app):
    app = make_app(PROXY_COUNT=1)
    with app.app_context():
        email = make_user().email
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD},
                           headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    assert all("Secure" in cookie for cookie in response.headers.getlist("Set-Cookie"))


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    assert not any("Secure" in cookie for cookie in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("email", ["manager@demo.comptoir.test", "claire@demo.comptoir.test", None])
def test_every_page_type_carries_the_headers_and_no_inline_script(app, runner, email):
    """Every GET route of the site (help center, community, portal, desk, settings, API, hooks, files, errors),
    as a manager, a customer and a visitor: the security headers on every answer, and no HTML page with an
    inline script or event handler, which the Content-Security-Policy would block."""
    from tests.test_garbage_input import _logged_in_client, _rules, _url

    client = _logged_in_client(app, runner, email)
    missing, inline = [], []
    for rule in _rules(app, "GET"):
        url = _url(rule)
        response = client.get(url)
        headers = response.headers
        if rule.endpoint != "static" and not (
                "script-src 'self'" in headers.get("Content-Security-Policy", "")
                and headers.get("X-Content-Type-Options") == "nosniff"
                and headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"):
            missing.append((url, response.status_code))
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            if "<script>" in html or " onclick=" in html or " onload=" in html or " onchange=" in html:
                inline.append(url)
    assert missing == [] and inline == []
