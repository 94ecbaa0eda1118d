"""In a real browser: a customer votes for an idea, reads the known issue, turns updates off."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import expect_no_sideways_scroll, screenshot
from concord.conversations.services import conversation_open
from concord.customers.models import Customer
from concord.portal.services import portal_password_set
from concord.problems.models import ProblemKind, ProblemVote
from concord.problems.services import problem_create

PASSWORD = "a long portal passphrase 42"


def _both_widths(page: Page, name: str) -> None:
    screenshot(page, f"portal-{name}-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    expect_no_sideways_scroll(page, 375)
    screenshot(page, f"portal-{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.django_db(transaction=True)
def test_a_customer_votes_for_an_idea_and_sees_the_known_issue(
    browser_page: Page,
    live_server: Any,
    agent: User,
    billing: Team,
    support: Team,
    ann: Customer,
    ann_user: User,
) -> None:
    page = browser_page
    portal_password_set(user=ann_user, password=PASSWORD)
    request = conversation_open(
        channel="web", customer=ann, subject="Card refused at checkout", body_text="Why?"
    )
    problem_create(
        actor=agent,
        team=billing,
        title="Card payments fail",
        description="Internal: PSP certificate expired (OPS-113).",
        public_note="Our card provider has an outage; your order is safe.",
        eta=date(2027, 1, 5),
        conversations=[request],
    )
    idea = problem_create(
        actor=agent,
        team=support,
        title="Pay by invoice",
        kind=ProblemKind.FEATURE,
        portal_visible=True,
        public_note="Popular with businesses; we are looking into it.",
    )
    problem_create(
        actor=agent,
        team=support,
        title="Dark mode",
        kind=ProblemKind.FEATURE,
        portal_visible=True,
    )

    # A visitor reads the ideas and is asked to sign in to vote.
    page.goto("/help/ideas/")
    expect(page.get_by_role("heading", name="Ideas")).to_be_visible()
    expect(page.get_by_role("button", name="Vote")).to_have_count(0)
    page.get_by_role("link", name="Sign in", exact=True).last.click()
    password_form = page.locator("section[aria-labelledby=password-heading]")
    password_form.locator("input[name=email]").fill("ann@example.net")
    password_form.locator("input[name=password]").fill(PASSWORD)
    password_form.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/help/ideas/")

    card = page.locator(f"#idea-{idea.pk}")
    expect(card).to_contain_text("Popular with businesses")
    expect(card.locator(".idea__votes")).to_have_text("0 votes")
    card.get_by_role("button", name="Vote").click()
    card = page.locator(f"#idea-{idea.pk}")
    expect(card.locator(".idea__votes")).to_have_text("1 vote")
    expect(card).to_contain_text("You voted")
    expect(card.get_by_role("button", name="Remove vote")).to_be_visible()
    assert ProblemVote.objects.filter(problem=idea, customer=ann).count() == 1
    # The voted idea now leads the list.
    expect(page.locator(".idea").first).to_contain_text("Pay by invoice")
    _both_widths(page, "ideas")

    page.get_by_role("link", name="My requests").click()
    page.get_by_role("link", name="Card refused at checkout").click()
    notice = page.locator(".notice--known")
    expect(notice).to_contain_text("Known issue")
    expect(notice).not_to_contain_text("Card payments fail")  # the title is internal
    expect(notice).to_contain_text("Our card provider has an outage; your order is safe.")
    expect(notice).to_contain_text("expected fix Jan. 5, 2027")
    expect(page.get_by_text("OPS-113")).to_have_count(0)
    _both_widths(page, "known-issue")

    # Not interested in such news: one checkbox on the account page.
    page.get_by_role("link", name="Account", exact=True).click()
    updates = page.get_by_label("Tell me when a problem I reported is fixed")
    expect(updates).to_be_checked()
    updates.uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your choice is saved.")).to_be_visible()
    expect(page.get_by_label("Tell me when a problem I reported is fixed")).not_to_be_checked()
    ann.refresh_from_db()
    assert ann.updates_opt_out_at is not None
    _both_widths(page, "account-updates")
