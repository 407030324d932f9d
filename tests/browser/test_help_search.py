"""A visitor finds an answer despite a typo, reads it and says whether it helped."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DELIVERED_BUT_MISSING = "My parcel shows as delivered but I haven't received it"


def test_visitor_searches_with_a_typo_opens_the_article_and_votes_once(page):
    page.goto("/help/en/")
    box = page.get_by_role("combobox", name="Search the help center")
    suggestions = page.get_by_role("listbox", name="Suggested articles")

    box.press_sequentially("parcel deliv", delay=20)
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("option").filter(has_text=DELIVERED_BUT_MISSING)).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press_sequentially("ry")  # "parcel delivry": no title starts like that any more
    expect(suggestions).to_be_hidden()
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/help/en/search\?q=parcel\+delivry$"))
    did_you_mean = page.locator(".did-you-mean")
    expect(did_you_mean).to_have_text("Did you mean parcel delivery?")
    did_you_mean.get_by_role("link", name="parcel delivery").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “parcel delivery”")
    hit = page.locator(".search-results li").filter(has_text=DELIVERED_BUT_MISSING)
    expect(hit.locator("mark").first).to_be_visible()
    hit.get_by_role("link", name=DELIVERED_BUT_MISSING).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(DELIVERED_BUT_MISSING)
    vote = page.locator("#vote")
    expect(vote.locator("#vote-counts")).to_contain_text("0 people found this helpful")
    vote.get_by_role("button", name="Yes").click()

    expect(page).to_have_url(re.compile(r"#vote$"))
    expect(vote.get_by_role("status")).to_have_text("Thanks for your feedback!")
    expect(vote.locator("#vote-counts")).to_contain_text("1 person found this helpful · 0 did not")
    page.reload()
    expect(vote.get_by_role("button")).to_have_count(0)
    expect(vote.locator("#vote-counts")).to_contain_text("1 person found this helpful")

    # Even posting the form again by hand (same visitor, valid CSRF token) does not count twice.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    again = page.request.post(page.url.split("#")[0] + "/vote", form={"helpful": "yes", "csrf_token": token},
                              headers={"Accept": "application/json"})
    assert again.json() == {"counted": False, "yes": 1, "no": 0}


def test_a_search_with_nothing_but_a_typo_shows_the_corrected_results(page):
    # French help center, UI-text free: the French interface may be translated.
    page.goto("/help/fr/")
    box = page.locator("#help-q")
    box.press_sequentially("rembours", delay=20)
    expect(page.locator("#help-suggestions a").first).to_have_text(re.compile("^Remboursements"))
    box.press_sequentially("ment")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/help/fr/search\?q=remboursment$"))
    expect(page.locator(".did-you-mean")).to_contain_text("remboursment")  # what was typed
    expect(page.locator(".did-you-mean")).to_contain_text("remboursement")  # what is shown
    expect(page.get_by_role("heading", level=1)).to_contain_text("remboursement")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("remboursment")
    first = page.locator(".search-results li").first
    expect(first.locator("mark").first).to_have_text(re.compile("^rembours", re.IGNORECASE))
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Remboursements"))
