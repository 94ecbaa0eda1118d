"""The inbox on a phone (390 px wide) with a realistic, crowded list: nothing scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from concord.accounts.models import Role, Team, User
from concord.common.testing import factories
from concord.common.testing.browser import screenshot
from concord.conversations.services import (
    conversation_assign,
    conversation_open,
    conversation_set_status,
)
from concord.customers.services import customer_create

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 390
SUBJECTS = (
    "Where is my order?",
    "Invoice INV-2026-004417 shows the wrong VAT number for our Rotterdam office",
    "Refund",
    "Aero Standing Desk: the left leg motor stops halfway and makes a grinding noise",
    "Cannot sign in since the password reset email never arrived (checked spam twice)",
    "",
    "Please change the delivery address of order ORD-88213 to Kurfürstendamm 195, Berlin",
    "https://shop.example.com/account/orders/ORD-88213/tracking?carrier=dhl&lang=de",
)
NAMES = (
    "Nora Quinn",
    "Maximiliane Oyelaran-Vandenberghe",
    "",  # known only by an address
    "Dr. Bartholomew Featherstonehaugh-Cholmondeley",
)


@pytest.fixture
def crowded(support: Team, supervisor: User) -> None:
    """Forty conversations with long subjects, names, tags and assignees, as in the demo."""
    support.name = "Customer Support (EMEA, second line)"
    support.save(update_fields=["name"])
    agent = factories.UserFactory.create(
        username="marie-christine.lefebvre",
        first_name="Marie-Christine",
        last_name="Lefebvre-Delacroix",
        role=Role.AGENT,
    )
    support.members.add(agent)
    start = timezone.now() - timedelta(days=3)
    channels = ("email", "web", "chat", "phone", "sms", "social")
    for n in range(40):
        name = NAMES[n % len(NAMES)]
        address = f"customer.number.{n}@very-long-customer-domain-name.example.com"
        customer = customer_create(name=name, identities=[("email", address)])
        at = start + timedelta(hours=n)
        conversation = conversation_open(
            channel=channels[n % len(channels)],
            customer=customer,
            subject=SUBJECTS[n % len(SUBJECTS)],
            body_text="It has not arrived yet.",
            team=support,
            priority=("low", "normal", "high", "urgent")[n % 4],
            tags=["vip", "shipping-delay", "needs-engineering-follow-up"][: n % 4],
            at=at,
        )
        if n % 3:
            conversation = conversation_assign(
                conversation=conversation, actor=supervisor, assignee=agent, at=at
            )
        if n % 5 == 0:
            conversation_set_status(conversation=conversation, actor=agent, status="on_hold", at=at)


def _sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


@pytest.mark.usefixtures("crowded")
def test_the_inbox_fits_a_phone(browser_page: Page, supervisor: User) -> None:
    page = browser_page
    page.set_viewport_size({"width": WIDTH, "height": 844})
    _sign_in(page, supervisor.username)
    for view in ("unsolved", "all"):
        page.goto(f"/app/?view={view}")
        expect(page.locator("#inbox-list tr.conv-row").first).to_be_visible()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= WIDTH, f"{view}: the page is {width} px wide on a {WIDTH} px screen"
    expect(page.locator("h1")).to_have_text("All")
    # The views are a sideways-scrolling row: the current one is scrolled into sight.
    current = page.locator(".views a[aria-current=page]").bounding_box()
    assert current is not None
    assert current["x"] >= 0
    assert current["x"] + current["width"] <= WIDTH
    whole = screenshot(page, f"workspace-inbox-mobile-{WIDTH}")
    # And the first screen alone, as a phone shows it.
    page.screenshot(path=str(whole.with_name(f"workspace-inbox-mobile-{WIDTH}-screen.png")))
