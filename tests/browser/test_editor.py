"""An editor writes an article with the live preview, saves a draft, publishes it; visitors then find it."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TITLE = "Gift wrapping and handwritten notes"
BODY = """Add a gift wrap at checkout and we pack your order in a reusable furoshiki cloth.

## Wrapping options

- **Furoshiki** cloth, tied by hand
- Recycled paper with a ribbon

Write your note in the *Gift message* box: we copy it by hand.
"""


def search_as_visitor(page, words):
    """Search the public English help center from its home page; returns the results list."""
    page.goto("/help/en/")
    box = page.get_by_role("combobox", name="Search the help center")
    box.fill(words)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/help/en/search\?"))
    page.wait_for_load_state()  # the whole results page, so an empty list really is empty
    return page.locator(".search-results")


def test_editor_writes_previews_drafts_and_publishes_an_article_visitors_then_find(
        page, new_page, editor_credentials):
    email, password = editor_credentials
    page.goto("/help/en/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Articles").click()
    expect(page).to_have_url(re.compile(r"/staff/kb/$"))
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Category").select_option(label="Orders")
    page.get_by_label("Summary").fill("Gift wrap, furoshiki cloth and a handwritten message.")
    body, preview = page.get_by_label("Body (Markdown)"), page.locator("#preview")
    body.press_sequentially("## Wrapping options")
    expect(preview.get_by_role("heading", name="Wrapping options", level=2)).to_be_visible()
    body.fill(BODY)
    expect(preview.locator("li strong")).to_have_text("Furoshiki")
    expect(preview.locator("em")).to_have_text("Gift message")
    expect(preview).not_to_contain_text("##")

    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/staff/kb/\d+/edit$"))
    expect(page.locator(".flash-success")).to_contain_text("Draft saved.")
    expect(page.locator(".page-head .badge")).to_have_text("Draft")

    visitor = new_page()
    expect(search_as_visitor(visitor, "furoshiki").locator("li")).to_have_count(0)  # drafts stay private

    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash-success")).to_contain_text(f"“{TITLE}” is live in the help center")
    expect(page.locator(".page-head .badge")).to_have_text("Published")

    results = search_as_visitor(visitor, "furoshiki")
    expect(results.locator("li").first.locator("mark").first).to_have_text(re.compile("furoshiki", re.I))
    results.get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(re.compile(r"/help/en/articles/gift-wrapping-and-handwritten-notes\b"))
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.locator(".article-body").get_by_role("heading", name="Wrapping options")).to_be_visible()
    expect(visitor.locator(".breadcrumbs")).to_contain_text("Orders")
