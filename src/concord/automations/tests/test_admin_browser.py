"""Issue 5 end to end: an admin defines a calendar, an SLA policy, a trigger and a
time rule in the Django admin of a real browser, and sees them act on a conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from concord.accounts.models import Role, User
from concord.automations.services import time_rules_run
from concord.calendars.models import Calendar
from concord.common.testing import factories
from concord.common.testing.browser import screenshot
from concord.conversations.models import Direction, Priority, Status, Visibility
from concord.conversations.services import conversation_open, conversation_set_status
from concord.sla.models import SlaPolicy
from concord.sla.selectors import sla_targets_for

# The live server runs in another thread: the rows the admin saves must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

Capture = Callable[..., AbstractContextManager[Any]]
REMINDER = "Hello {{ customer.name }}, are you still there?"
BERLIN = ZoneInfo("Europe/Berlin")


def _one_office_hour_after(start: datetime) -> datetime:
    """Worked out by hand from the calendar the admin entered: Mon-Fri 09:00-17:00 in Berlin."""
    moment, left = start.astimezone(BERLIN), timedelta(hours=1)
    day: date = moment.date()
    while True:
        if day.weekday() < 5:
            opens = datetime.combine(day, time(9), BERLIN)
            closes = datetime.combine(day, time(17), BERLIN)
            begin = max(opens, moment)
            if begin + left <= closes:
                return begin + left
            left -= max(closes - begin, timedelta(0))
        day += timedelta(days=1)


@pytest.fixture
def superuser(db: None) -> User:
    return factories.UserFactory.create(
        username="root", role=Role.ADMIN, is_staff=True, is_superuser=True
    )


def _add_page(page: Page, *, row_id: str, title: str) -> None:
    """From the admin index, by the model's "Add" link, to its add form."""
    page.goto("/admin/")
    page.locator(f'a.addlink[aria-describedby="{row_id}"]').click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def _save(page: Page, what: str) -> None:
    page.locator("input[name=_save]").click()
    # The success message first: it is on the next page only, while the form
    # still on screen until then has no error note either.
    expect(page.locator(".messagelist .success")).to_contain_text(what)
    expect(page.locator(".errornote")).to_have_count(0)


def _define_calendar(page: Page) -> None:
    _add_page(page, row_id="calendars-calendar", title="Add calendar")
    page.locator("#id_name").fill("Office")
    page.locator("#id_time_zone").fill("Europe/Berlin")
    for weekday in range(5):  # Monday to Friday
        page.get_by_role("button", name="Add another Calendar interval").click()
        page.locator(f"#id_intervals-{weekday}-weekday").select_option(str(weekday))
        page.locator(f"#id_intervals-{weekday}-start").fill("09:00")
        page.locator(f"#id_intervals-{weekday}-end").fill("17:00")
    _save(page, "Office")


def _define_sla_policy(page: Page) -> None:
    _add_page(page, row_id="sla-slapolicy", title="Add SLA policy")
    page.locator("#id_name").fill("Standard")
    page.locator("#id_first_response_seconds").fill("1h")
    expect(page.locator("#id_business_hours")).to_be_checked()
    page.locator("#id_calendar").select_option(label="Office")
    _save(page, "Standard")


def _define_trigger(page: Page) -> None:
    _add_page(page, row_id="automations-trigger", title="Add trigger")
    page.locator("#id_name").fill("Parcel words")
    page.get_by_label("Conversation created").check()
    page.locator("#id_conditions-0-field").select_option("subject")
    page.locator("#id_conditions-0-operator").select_option("contains")
    page.locator("#id_conditions-0-value").fill("parcel")
    page.locator("#id_actions-0-kind").select_option("add_tags")
    page.locator("#id_actions-0-target").fill("shipping")
    page.get_by_role("button", name="Add another Trigger action").click()
    page.locator("#id_actions-1-kind").select_option("set_priority")
    page.locator("#id_actions-1-target").fill("high")
    _save(page, "Parcel words")


def _define_time_rule(page: Page) -> None:
    _add_page(page, row_id="automations-timerule", title="Add time rule")
    page.locator("#id_name").fill("Remind pending")
    page.locator("#id_status").select_option("pending")
    page.locator("#id_after_hours").fill("72")
    page.locator("#id_actions-0-kind").select_option("send_email")
    page.locator("#id_actions-0-text").fill(REMINDER)
    _save(page, "Remind pending")


def test_an_admin_defines_rules_without_code_and_sees_them_act(
    browser_page: Page,
    superuser: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    page = browser_page
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Log in").click()
    # Signed in: the user tools are not on the login page (its #site-name is).
    expect(page.locator("#user-tools")).to_be_visible()

    _define_calendar(page)
    _define_sla_policy(page)
    _define_trigger(page)
    _define_time_rule(page)
    office = Calendar.objects.get(name="Office")
    assert office.time_zone == "Europe/Berlin"
    assert sorted(office.intervals.values_list("weekday", "start", "end")) == [
        (weekday, time(9), time(17)) for weekday in range(5)
    ]
    policy = SlaPolicy.objects.get(name="Standard")
    assert (policy.first_response_seconds, policy.calendar_id) == (3600, office.pk)

    # Opened five days ago, so that it can have been pending for four.
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversation_open(
            channel="email",
            subject="My parcel is late",
            body_text="Order 1234 was due on Monday.",
            identity_kind="email",
            identity_value="dana@example.com",
            customer_name="Dana Smith",
            at=now - timedelta(days=5),
        )
    conversation.refresh_from_db()
    assert set(conversation.tags.values_list("name", flat=True)) == {"shipping"}
    assert conversation.priority == Priority.HIGH
    targets = {t.target: t for t in sla_targets_for(conversation_id=conversation.pk)}
    assert set(targets) == {"first_response"}
    due_at = targets["first_response"].due_at
    assert due_at is not None
    expected = _one_office_hour_after(conversation.created_at)
    assert abs(due_at - expected) < timedelta(seconds=1), (due_at, expected)

    page.goto(f"/app/conversations/{conversation.pk}/")
    sla = page.get_by_role("definition").filter(
        has=page.locator(f'time[datetime="{due_at.isoformat()}"]')
    )
    expect(sla).to_have_count(1)
    expect(sla).to_contain_text("due")  # "due in …", or "breached, due … ago"
    expect(page.get_by_role("list", name="Tags").get_by_text("shipping")).to_be_visible()
    screenshot(page, "automations-conversation")
    # The conversation page reports presence every 5 s. With in-memory SQLite the
    # live server shares this thread's database connection, so leave the page
    # before writing from here rather than have its requests interleave.
    page.goto("about:blank")

    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(
            conversation=conversation,
            actor=superuser,
            status=Status.PENDING,
            at=now - timedelta(days=4),
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert time_rules_run() == 1
        assert time_rules_run() == 0  # once per stay in pending
    reminders = conversation.messages.filter(
        direction=Direction.OUTBOUND, visibility=Visibility.PUBLIC
    )
    assert [m.body_text for m in reminders] == ["Hello Dana Smith, are you still there?"]

    page.goto(f"/admin/automations/trigger/dry-run/?conversation={conversation.pk}&event=created")
    verdict = page.locator("tr.verdict").filter(has_text="Parcel words")
    expect(verdict).to_have_count(1)
    expect(verdict.get_by_role("cell").nth(1)).to_have_text("Would fire")
    expect(verdict).to_have_class("verdict fires")
    screenshot(page, "automations-dry-run")
