"""Every page a demo user can reach by following links renders: no error page for anyone, in either language."""
import re
from urllib.parse import urljoin, urlsplit

import pytest

from portal.demo import DEMO_PASSWORD

LINK = re.compile(r'href="([^"#]+)')
SKIP = ("/static/", "/logout", "/uploads/", "/files/", "/outbox/", "/notifications/")


def crawl(client, start, limit=250):
    seen, queue, failures = set(), list(start), []
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500 or (response.status_code == 404 and "/staff/" not in url):
            failures.append((url, response.status_code))
            continue
        if response.status_code in (301, 302, 303):
            location = urlsplit(response.headers["Location"])
            queue.append(location.path + (f"?{location.query}" if location.query else ""))
            continue
        if "text/html" not in response.content_type:
            continue
        for href in LINK.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            target = urlsplit(urljoin(url, href))
            if target.scheme not in ("", "http") or target.netloc not in ("", "localhost") \
                    or any(s in target.path for s in SKIP):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen, failures


@pytest.mark.parametrize("email", [None, "claire@demo.comptoir.test", "agent@demo.comptoir.test",
                                   "editor@demo.comptoir.test", "manager@demo.comptoir.test"])
def test_demo_site_has_no_broken_page(app, runner, email):
    assert runner.invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    if email:
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    start = ["/help/en/", "/help/fr/", "/community/", "/help/contact", "/help/order-status"]
    if email:
        start += ["/portal/", "/portal/tickets/", "/portal/orders/", "/staff/"]
    seen, failures = crawl(client, start)
    assert len(seen) > 30
    assert failures == []
