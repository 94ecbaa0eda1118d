"""Service levels set up in real Chromium by a supervisor, without a developer.

The journey from issue 21: a split-shift calendar with a regional holiday, a
policy written in durations, its preview, and the same due time on a live
conversation. ``browser_page`` fails the test on any console or page error.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import expect_no_sideways_scroll, screenshot
from concord.conversations.services import conversation_open
from concord.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)

BERLIN = ZoneInfo("Europe/Berlin")


def sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


def _working_monday() -> date:
    """A Monday at least a week ahead that is no Bavarian holiday (so 4 h fall that day)."""
    day = timezone.localdate() + timedelta(days=7)
    day += timedelta(days=(7 - day.weekday()) % 7)
    bavaria = holidays.country_holidays("DE", subdiv="BY")
    while day in bavaria:
        day += timedelta(days=7)
    return day


def test_a_supervisor_sets_up_hours_and_a_policy_and_sees_them_on_a_conversation(
    browser_page: Page, supervisor: User, support: Team, customer: Customer
) -> None:
    supervisor.time_zone = "Europe/Berlin"
    supervisor.save(update_fields=["time_zone"])
    page = browser_page
    sign_in(page, "sam")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Service-level settings")).to_be_visible()
    page.get_by_role("link", name="New calendar").click()

    # The calendar: zone from a searchable list, Bavaria's holidays, a split shift.
    page.get_by_label("Name").fill("Munich support")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Public holidays of").select_option("DE")
    region = page.get_by_label("State or region")
    expect(region.locator("option[value=BY]")).to_have_count(1)  # loaded for Germany
    region.select_option("BY")
    page.get_by_label("Monday interval 1 from").fill("08:00")
    page.get_by_label("Monday interval 1 to").fill("12:00")
    page.get_by_label("Monday interval 2 from").fill("13:00")
    page.get_by_label("Monday interval 2 to").fill("17:00")
    page.get_by_role("button", name="Copy Monday to Tuesday\N{EN DASH}Friday").click()
    expect(page.locator(".flash")).to_contain_text("copied to Tuesday to Friday")
    expect(page.get_by_label("Friday interval 2 to")).to_have_value("17:00")
    expect(page.get_by_label("Saturday interval 1 from")).to_have_value("")
    expect(page.get_by_label("State or region")).to_have_value("BY")
    screenshot(page, "settings-calendar-grid")
    page.get_by_role("button", name="Create calendar").click()
    expect(page.locator(".flash")).to_contain_text("Calendar “Munich support” saved")

    # The next 12 months of days off: Epiphany counted, Assumption Day not, until closed.
    counted = page.get_by_role("list", name="Counted days off")
    expect(counted).to_contain_text("Epiphany")
    expect(counted).not_to_contain_text("Assumption Day")
    optional = page.get_by_role("list", name="Catholic holidays not counted")
    assumption = optional.locator("li", has_text="Assumption Day")
    assumption.get_by_role("button", name="Close this day").click()
    expect(page.locator(".flash")).to_contain_text("is now closed")
    expect(page.get_by_role("list", name="Counted days off")).to_contain_text("Assumption Day")
    screenshot(page, "settings-calendar-holidays")
    # On a phone the week grid wraps instead of scrolling sideways.
    desktop = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    expect_no_sideways_scroll(page, 375)
    screenshot(page, "settings-calendar-phone")
    assert desktop is not None
    page.set_viewport_size(desktop)

    # The policy, in durations; a bare number is refused with the reason.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="New policy").click()
    page.get_by_label("Name").fill("Urgent")
    page.get_by_label("Urgent").check()
    page.get_by_label("First response").fill("14400")
    page.get_by_label("Next reply").fill("8h")
    page.get_by_label("Resolution").fill("1d 2h")
    page.get_by_label("Warn before").fill("30m")
    page.get_by_label("Calendar").select_option(label="Munich support")
    page.get_by_role("button", name="Create policy").click()
    expect(page.locator(".settings-field-first_response_seconds .field-error")).to_contain_text(
        "has no unit"
    )
    page.get_by_label("First response").fill("4h")
    page.get_by_role("button", name="Create policy").click()
    expect(page.locator(".flash")).to_contain_text("Policy “Urgent” saved")
    expect(page.locator(".time-counted")).to_contain_text(
        "Business hours of the calendar “Munich support” (Europe/Berlin)."
    )
    expect(page.get_by_label("Resolution")).to_have_value("1d 2h")

    # The preview: Monday 09:30 in Munich plus 4 business hours is 14:30 (lunch not counted).
    monday = _working_monday()
    page.get_by_role("link", name="Preview a conversation").click()
    page.get_by_label("Arriving at").fill(f"{monday.isoformat()}T09:30")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Preview").click()
    result = page.locator(".preview-result")
    expect(result.locator("h2")).to_have_text("Policy “Urgent” applies")
    first = result.get_by_role("row", name=re.compile("First response"))
    due_text = f"{monday:%a} {monday.day} {monday:%b %Y}, 14:30"
    expect(first).to_contain_text(due_text)
    expect(result.locator(".working-days li").first).to_contain_text("09:30\N{EN DASH}12:00")
    expect(result.locator(".working-days li").first).to_contain_text("13:00\N{EN DASH}17:00")
    screenshot(page, "settings-policy-preview")

    # A live conversation arriving then gets the same due time.
    arrived = datetime.combine(monday, time(9, 30), tzinfo=BERLIN)
    conversation = conversation_open(
        channel="email",
        customer=customer,
        subject="Payment failed twice",
        body_text="My card was charged twice.",
        priority="urgent",
        at=arrived,
    )
    page.goto(f"/app/conversations/{conversation.pk}/")
    facts = page.locator("dl.sla")
    expect(facts).to_contain_text("First response")
    expect(facts).to_contain_text(due_text)
    screenshot(page, "settings-live-conversation")
