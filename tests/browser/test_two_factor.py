"""A staff member sets up two-factor login in the browser (QR code page, key typed by hand, confirmation,
recovery codes), logs out, and logs in again with the code of an authenticator app, by keyboard."""
import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.accounts.two_factor_helpers import code_now
from tests.factories import PASSWORD, make_agent

pytestmark = pytest.mark.browser

AGENT = "tara.agent@example.com"


def test_staff_member_sets_up_two_factor_logs_out_and_logs_in_with_a_code(page, log_in, live_app, clock):
    make_agent(email=AGENT, name="Tara Agent")
    log_in(page, AGENT)
    page.goto("/portal/settings")
    page.get_by_role("link", name="Set up two-factor login").click()
    expect(page).to_have_url(re.compile(r"/portal/settings/two-factor$"))
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    key = page.locator(".secret-key").inner_text().replace(" ", "")
    assert len(key) == 32 and pyotp.TOTP(key).now()  # what a person types into their app

    code_field = page.get_by_label("6-digit code from your app")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    code_field.fill("000000" if code_now(key) != "000000" else "111111")
    code_field.press("Enter")
    expect(page.locator("#code-error")).to_contain_text("This code is not right.")
    page.get_by_label("6-digit code from your app").fill(code_now(key))
    page.get_by_label("6-digit code from your app").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I saved my recovery codes").click()
    expect(page.locator("#two-factor")).to_contain_text("After your password, we ask for a code")

    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.locator(".flash-success")).to_have_text("You are logged out.")
    page.goto("/login")
    page.get_by_label("Email").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/login/two-factor$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor login")
    expect(page.get_by_label("6-digit code from your app")).to_be_focused()
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/login\?next="))  # half logged in: nothing is open yet
    page.go_back()

    clock.advance(seconds=30)  # the setup used this step's code: an app shows the next one
    page.get_by_label("6-digit code from your app").fill(code_now(key))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
