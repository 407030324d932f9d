"""The help center by keyboard: a skip link, the search a few Tabs away, a visible focus ring."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FOCUS_RING = "el => { const s = getComputedStyle(el); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_first_tab_shows_a_skip_link_to_the_main_content(page):
    page.goto("/help/en/")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["x"] < 0  # off screen until focused
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0  # now on screen
    expect(skip).to_have_attribute("href", "#main")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next Tab continues from the main content, not from the top
    assert page.locator("main#main").evaluate("(main) => main.contains(document.activeElement)")


def test_tab_reaches_the_search_field_which_shows_a_focus_ring(page):
    page.goto("/help/en/")
    box = page.get_by_role("combobox", name="Search the help center")
    assert box.evaluate(FOCUS_RING)[0] == "none"
    presses = 0  # skip link, brand, three header links, then the search
    while presses < 8 and focused_id(page) != "help-q":
        page.keyboard.press("Tab")
        presses += 1
    expect(box).to_be_focused()
    style, width = box.evaluate(FOCUS_RING)
    assert style != "none" and width >= 2, (style, width)

    # The suggestions are keyboard-operable too: type, arrow down, Enter opens the article.
    page.keyboard.type("refund")
    option = page.get_by_role("listbox", name="Suggested articles").get_by_role("link").first
    expect(option).to_have_text(re.compile("^Refunds"))
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    expect(page.locator("#suggestion-0")).to_have_attribute("role", "option")
    expect(page.locator("#suggestion-0")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Refunds"))
