"""On a 375px phone nothing scrolls sideways, and the navigation still works by touch."""
import re

import pytest
from playwright.sync_api import expect

from portal.kb import categories as category_services
from tests.factories import make_article

pytestmark = pytest.mark.browser

WIDE_TABLE = "\n".join([
    "| " + " | ".join(f"Column {n}" for n in range(1, 11)) + " |",
    "|" + "---|" * 10,
    "| " + " | ".join(f"value-{n}-without-spaces" for n in range(1, 11)) + " |",
])
AWKWARD_BODY = f"""Our warehouse reference is Rücksendeetikettenverwaltungsnummernsystem2024ABCDEFGHIJKL.

Track it at <https://tracking.example.com/parcels/very/long/path/0123456789abcdefghijklmnopqrstuvwxyz?ref=shop>.

## Sizes

{WIDE_TABLE}

## Command

```
curl --request POST https://api.example.com/v1/returns/create?order=0123456789&reason=size-too-small&refund=original
```
"""


BROKEN_WORDS = """elements => elements
    .filter(el => /^[\\p{L}\\p{N}]+$/u.test(el.textContent.trim()))  // one word, no dash
    .filter(el => {
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size > 1;
    })
    .map(el => el.textContent.trim())"""


def broken_words(locator) -> list[str]:
    """Texts of the one-word elements that wrap over several lines, i.e. a word cut in two."""
    return locator.evaluate_all(BROKEN_WORDS)


def overflow(page) -> dict:
    """Page width against the viewport, and the elements sticking out on the right."""
    return page.evaluate("""() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        culprits: [...document.querySelectorAll('body *')]
            .filter(el => !el.closest('pre, table, .table-scroll'))  // these scroll in their own box
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 5).map(el => el.tagName + '.' + el.className),
    })""")


@pytest.fixture
def awkward_article(live_app):
    """A published article with a long word, a long URL, a wide table and a long code line."""
    return make_article(category=category_services.get_category("orders"), slug="awkward-content",
                        title="Returnlabelreferencenumbersandtrackingidentifiers explained", body=AWKWARD_BODY)


@pytest.mark.parametrize("path", [
    "/help/en/",
    "/help/en/categories/orders",
    "/help/en/articles/size-guide",
    "/help/en/articles/awkward-content",
    "/help/en/search?q=delivery",
    "/help/fr/search?q=remboursment",
    "/login",
])
def test_phone_pages_do_not_scroll_sideways(phone_page, awkward_article, path):
    phone_page.goto(path)
    found = overflow(phone_page)
    assert found["innerWidth"] == 375
    assert found["scrollWidth"] <= found["innerWidth"], found


def test_wide_tables_and_code_scroll_inside_their_own_box_on_a_phone(phone_page, awkward_article):
    phone_page.goto("/help/en/articles/awkward-content")
    for box in (phone_page.locator(".article-body table"), phone_page.locator(".article-body pre")):
        fits = box.evaluate("el => ({own: el.scrollWidth > el.clientWidth, "
                            "right: el.getBoundingClientRect().right, style: getComputedStyle(el).overflowX})")
        assert fits["own"] and fits["right"] <= 375 and fits["style"] == "auto", fits
    link = phone_page.locator('a[href^="https://tracking.example.com/"]').bounding_box()
    assert link["x"] + link["width"] <= 375, link


def test_table_cells_keep_their_words_whole_on_a_phone(phone_page):
    phone_page.goto("/help/en/articles/size-guide")
    expect(phone_page.locator(".article-body table")).to_have_count(3)
    assert broken_words(phone_page.locator(".article-body th, .article-body td")) == []  # not "X" over "S"


def test_phone_navigation_works_by_touch(phone_page):
    phone_page.goto("/help/en/")
    nav = phone_page.get_by_role("navigation", name="Main")
    for link in nav.get_by_role("link").all():
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (link.inner_text(), box)
    assert broken_words(phone_page.locator(".search-form button, .site-nav a")) == []  # not "Sear" over "ch"
    phone_page.get_by_role("link", name="Shipping & delivery").tap()
    expect(phone_page).to_have_url(re.compile(r"/help/en/categories/shipping-delivery$"))
    phone_page.get_by_role("link", name="Where is my order?").tap()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Where is my order?")
    nav.get_by_role("link", name="Log in").tap()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Log in")
    nav.get_by_role("link", name="Help center").tap()
    expect(phone_page).to_have_url(re.compile(r"/help/en/$"))
