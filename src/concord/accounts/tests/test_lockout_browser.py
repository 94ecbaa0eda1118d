"""A person who mistypes their password too often sees why sign-in is paused, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concord.accounts.models import User
from concord.common.testing.browser import PageProblems, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_who_keeps_mistyping_is_told_to_wait(
    browser_page: Page, agent: User, page_problems: PageProblems
) -> None:
    page = browser_page
    page.goto("/app/login/")
    for attempt in range(4):
        page.get_by_label("Username").fill("alex")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Sign in").click()
        # The answer to this attempt, not the previous one's alert still on
        # screen: the page that comes back has an empty password field.
        expect(page.get_by_label("Password")).to_have_value("")
        expect(page.get_by_role("alert")).to_contain_text("correct username and password")

    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill("wrong-again")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("paused for 15 minutes")
    screenshot(page, "sign-in-paused")

    # Even the right password waits out the pause.
    page.get_by_role("link", name="Back to sign-in").click()
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Too many failed sign-ins")).to_be_visible()

    # The pause is answered with 429 (and Retry-After), which Chromium logs as
    # a failed load; anything else on the console still fails the test.
    expected = "status of 429 (Too Many Requests)"
    page_problems.items[:] = [item for item in page_problems.items if expected not in item]
