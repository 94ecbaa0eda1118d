"""The reports page in real Chromium, on generated demo data (the issue's "done when").

``browser_page`` fails the test on any console error, so the charts rendering
without errors is checked on every page visited.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from concord.common.testing.browser import expect_no_sideways_scroll, screenshot
from concord.demo.generate import generate
from concord.metrics.selectors import OVERVIEW_METRICS

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "concord-demo"


def sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


def test_the_cx_overview_on_demo_data(browser_page: Page) -> None:
    generate(conversations=400, seed=5, now=timezone.now())
    page = browser_page
    sign_in(page, "admin")
    page.get_by_role("link", name="Reports").click()
    page.get_by_label("Period").select_option("90d")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("h1")).to_contain_text("Last 90 days")

    # Every overview metric has a believable figure, not "no data" or a thin sample.
    for name in OVERVIEW_METRICS:
        tile = page.locator(f'.tile[data-metric="{name}"]')
        expect(tile).to_have_count(1)
        expect(tile).not_to_have_class("tile tile-empty")
        expect(tile.locator(".tile-value")).not_to_have_text("no data")
    charts = page.locator(".chart svg")
    expect(charts).to_have_count(6)
    for index in range(6):
        box = charts.nth(index).bounding_box()
        assert box is not None
        assert box["height"] > 150
    # Each chart carries its numbers for screen readers and copying.
    page.locator("#chart-channels summary").click()
    expect(page.locator("#chart-channels table")).to_contain_text("email")
    screenshot(page, "reports-overview")

    # One team's view, then the per-agent table.
    page.get_by_label("Team").select_option(label="Support")
    page.get_by_role("button", name="Apply").click()
    # The team's page, not the one still on screen while it loads.
    expect(page).to_have_url(re.compile(r"[?&]team=\d+"))
    expect(page.locator('.tile[data-metric="volume"] .tile-value')).not_to_have_text("0")
    page.get_by_role("link", name="By agent").click()
    expect(page).to_have_url(re.compile(r"/agents/?\?.*team=\d+"))
    expect(page.locator("#breakdown tbody tr").first).to_be_visible()
    screenshot(page, "reports-by-agent")

    # At phone width the page reflows instead of scrolling sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/app/reports/?period=30d")
    expect(page.locator(".chart svg")).to_have_count(6)
    expect_no_sideways_scroll(page, 375)
    screenshot(page, "reports-overview-375")


def test_an_agent_sees_their_own_figures(browser_page: Page) -> None:
    generate(conversations=60, seed=6, now=timezone.now())
    page = browser_page
    sign_in(page, "liam.chen")
    page.goto("/app/reports/?period=90d")
    expect(page.locator(".report-nav")).not_to_contain_text("By team")
    expect(page.locator("#id_agent")).to_have_count(0)
    expect(page.locator('.tile[data-metric="volume"]')).to_be_visible()
