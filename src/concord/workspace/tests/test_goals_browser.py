"""Goals in real Chromium: a supervisor sets one through the form and reads its page.

``browser_page`` fails the test on any console error, page error or dialog,
so the chart (server-side SVG) rendering cleanly is checked on every page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import ARTIFACTS, expect_no_sideways_scroll, screenshot
from concord.goals.definition import today
from concord.goals.selectors import goal_summaries
from concord.goals.tests.helpers import chats, make_goal

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


def test_a_supervisor_sets_a_goal_and_reads_its_progress(
    browser_page: Page, admin_user: User, supervisor: User, agent: User, support: Team
) -> None:
    support.members.add(supervisor)
    on = today(timezone.now())
    start = on - timedelta(days=21)
    # Before the start (the baseline) half the chats were answered within a minute; since, more.
    chats(agent, day=start - timedelta(days=8), fast=5, slow=5, team=support)
    for week in range(3):
        chats(agent, day=start + timedelta(days=7 * week + 2), fast=7 + week, slow=3 - week)
    make_goal(
        actor=admin_user,
        owners=[support],
        name="Fewer reopened conversations",
        objective="Solve it the first time.",
        metric="reopen_rate",
        channel=None,
        within_seconds=None,
        comparison="<=",
        threshold=5,
        start=on,
        deadline=on + timedelta(days=60),
        now=timezone.now(),
    )

    page = browser_page
    sign_in(page, "sam")
    page.get_by_role("link", name="Reports").click()
    goals = page.locator("section.goals")
    expect(goals.locator(".goal")).to_have_count(1)
    expect(goals.locator(".goal .goal-status")).to_have_text("Not enough data")
    goals.get_by_role("link", name="New goal").click()

    expect(page.get_by_role("heading", name="New goal")).to_be_visible()
    page.get_by_label("Name").fill("Chats answered within a minute")
    page.get_by_label("Company objective").fill("Make live chat feel live.")
    page.get_by_label("Metric").select_option(label="First response time")
    page.get_by_label("Within seconds").fill("60")
    page.get_by_label("Comparison").select_option(label="at least")
    page.get_by_label("Target", exact=True).fill("80")
    page.get_by_label("Start").fill(start.isoformat())
    page.get_by_label("Deadline").fill((start + timedelta(days=89)).isoformat())
    expect(page.get_by_label("Support")).to_be_checked()  # the supervisor's only team
    page.get_by_label("Channel").select_option(label="Live chat")
    screenshot(page, "goal-form")
    page.get_by_role("button", name="Create goal").click()

    expect(page.locator(".flash")).to_contain_text("Goal “Chats answered within a minute” created")
    expect(page.locator("h1")).to_have_text("Chats answered within a minute")
    expect(page.locator(".goal-detail-facts")).to_contain_text("≥ 80 %")
    expect(page.locator(".goal-detail-facts")).to_contain_text("50.0% (n = 10")
    # Measured after the form was saved (the task runs on commit): the chart has lines.
    chart = page.locator("#goal-chart svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None
    assert box["height"] > 150
    expect(chart).to_contain_text("Last 28 days")
    expect(page.locator(".goal-chart .line").first).to_be_attached()
    expect(page.locator(".goal-weekly tbody tr")).to_have_count(4)
    expect(page.locator(".goal-history")).to_contain_text("created")
    [created] = [g for g in goal_summaries(user=supervisor) if g.name.startswith("Chats")]
    assert len(created.progress) >= 3
    screenshot(page, "goal-detail")

    # Back on the reports page, both goals show their status.
    page.get_by_role("link", name="Reports", exact=True).first.click()
    expect(goals.locator(".goal")).to_have_count(2)
    new = goals.locator(".goal", has_text="Chats answered within a minute")
    expect(new.locator(".goal-status")).to_have_text("On track")
    expect(new.locator(".goal-target")).to_have_text("≥ 80 %")
    goals.screenshot(path=str(ARTIFACTS / "screenshots" / "reports-goals.png"))
    page.get_by_role("link", name="Chats answered within a minute").click()
    expect(page.locator("#goal-chart svg")).to_be_visible()

    # Phone width: nothing wider than the screen but the tables' own scrollers.
    page.set_viewport_size({"width": 375, "height": 800})
    expect_no_sideways_scroll(page, 375)
    screenshot(page, "goal-detail-375")
