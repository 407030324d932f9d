"""The community from ask to found: a similar question suggested while typing, an answer from another
customer, acceptance, a moderator hiding spam, and the question found from the help-center search."""
import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.forum import queries as forum_queries
from portal.forum import services as forum_services
from portal.forum.models import Question
from tests.browser.test_mobile import overflow
from tests.factories import make_agent, make_answer, make_question, make_user

pytestmark = pytest.mark.browser

ASKER, HELPER, AGENT = "asker@example.com", "helper@example.com", "moderator@example.com"
EXISTING = "Will the wool jumper shrink in the washing machine?"
TITLE = "Does the wool jumper shrink at 30 degrees?"
DETAILS = "The label says hand wash only, but I would rather use a gentle machine cycle."
HELPFUL = "Mine went through a 30 degree wool cycle a dozen times and kept its size. Dry it flat."
SPAM = "Cheap designer jumpers at 90% off, visit replica-outlet.example today!"


@pytest.fixture
def community(live_app):
    """The default categories, an earlier question with an answer, and the people of the story."""
    forum_services.ensure_default_categories()
    earlier = make_question(category=forum_queries.category_by_slug("product-questions"), title=EXISTING,
                            tags=["wool"], body="I washed mine once at 40 degrees and it looks a size smaller.")
    make_answer(earlier, body="Wool shrinks with heat and rubbing: use the wool cycle, cold water.")
    make_user(email=ASKER, name="Ana Asker")
    make_user(email=HELPER, name="Hugo Helper")
    make_agent(email=AGENT, name="Mo Moderator")
    return earlier


def answer_articles(page):
    return page.locator("article.answer")


def test_ask_answer_accept_moderate_and_find_from_the_help_center(new_page, log_in, community):
    asker = log_in(new_page(), ASKER)
    asker.goto("/community/ask")
    asker.get_by_label("Category").select_option(label="Product questions")
    asker.get_by_label("Your question").press_sequentially("wool jumper shrink", delay=15)
    similar = asker.locator(".similar-box")
    expect(similar).to_be_visible()
    expect(similar.get_by_role("link", name=EXISTING)).to_have_attribute(
        "href", re.compile(rf"/community/q/{community.id}-will-the-wool-jumper"))
    asker.get_by_label("Your question").fill(TITLE)
    asker.get_by_label("Details").fill(DETAILS)
    asker.get_by_role("button", name="Post my question").click()
    expect(asker).to_have_url(re.compile(r"/community/q/\d+-does-the-wool-jumper-shrink-at-30-degrees$"))
    expect(asker.get_by_role("heading", level=1)).to_have_text(TITLE)
    question_url = asker.url

    question = db.session.get(Question, int(re.search(r"/q/(\d+)-", question_url).group(1)))
    make_answer(question, author=make_user(name="Spam Bot"), body=SPAM)  # before anyone else answers

    helper = log_in(new_page(), HELPER)
    helper.goto(question_url)
    helper.get_by_role("textbox", name="Your answer").fill(HELPFUL)
    helper.get_by_role("button", name="Post my answer").click()
    expect(helper).to_have_url(re.compile(r"#a\d+$"))
    expect(answer_articles(helper)).to_have_count(2)
    expect(answer_articles(helper).first).to_contain_text(SPAM)  # same score: oldest first

    asker.reload()
    helpful = answer_articles(asker).filter(has_text=HELPFUL)
    helpful.get_by_role("button", name="Accept this answer").click()
    expect(answer_articles(asker).first).to_contain_text(HELPFUL)
    expect(answer_articles(asker).first.locator(".badge-accepted")).to_have_text("✔ Accepted answer")
    expect(answer_articles(asker).filter(has_text=SPAM).locator(".badge-accepted")).to_have_count(0)

    moderator = log_in(new_page(), AGENT)
    moderator.goto(question_url)
    answer_articles(moderator).filter(has_text=SPAM).get_by_role("button", name="Hide", exact=True).click()
    expect(moderator).to_have_url(question_url)
    expect(answer_articles(moderator).filter(has_text=SPAM).locator(".badge")).to_have_text("Hidden")

    visitor = new_page()
    visitor.goto(question_url)
    expect(visitor.get_by_role("heading", name="1 answer")).to_be_visible()
    expect(answer_articles(visitor)).to_have_count(1)
    expect(answer_articles(visitor).first).to_contain_text(HELPFUL)
    expect(visitor.get_by_text(SPAM)).to_have_count(0)

    visitor.goto("/help/en/search?q=degrees")
    found = visitor.get_by_role("region", name="From the community")
    expect(found.get_by_role("link", name=TITLE)).to_have_attribute("href", re.compile(
        rf"/community/q/{question.id}-does-the-wool-jumper-shrink-at-30-degrees"))
    expect(found.get_by_text(SPAM)).to_have_count(0)


@pytest.mark.parametrize("who", [None, AGENT])
def test_community_pages_do_not_scroll_sideways_on_a_phone(phone_page, log_in, community, who):
    phone = log_in(phone_page, who) if who else phone_page
    for path in ("/community/", f"/community/q/{community.id}-will-the-wool-jumper-shrink-in-the-washing-machine"):
        phone.goto(path)
        found = overflow(phone)
        assert found["innerWidth"] == 375
        assert found["scrollWidth"] <= found["innerWidth"], (path, found)
