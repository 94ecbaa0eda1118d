"""The workspace in a real browser (Debian's Chromium through Playwright).

``browser_page`` fails a test on any console error, page error or dialog, so
every step below also checks that nothing on the page misbehaved.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import (
    POLL_TIMEOUT_MS,
    expect_no_sideways_scroll,
    new_context,
    screenshot,
    server_paused,
    settle,
)
from concord.conversations.models import Conversation
from concord.conversations.services import (
    conversation_assign,
    conversation_note,
    conversation_reply,
    message_receive,
)
from concord.customers.models import Customer
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = (
    '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
    "<svg onload=alert(1)>"
)


def sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


@pytest.fixture
def story(
    open_conv: Opener, agent: User, dana: User, support: Team, customer: Customer
) -> Conversation:
    """A small, believable inbox: the conversation under test is the latest."""
    start = timezone.now() - timedelta(hours=6)
    older = open_conv(
        subject="Invoice shows the wrong VAT number",
        team=support,
        at=start,
        tags=["billing"],
    )
    conversation_reply(conversation=older, actor=dana, body_text="Fixed, new invoice attached.")
    open_conv(
        subject="Can I change my delivery address?",
        channel="chat",
        identity_kind="chat",
        identity_value="visitor-42",
        customer_name="Ravi Patel",
        team=support,
        at=start + timedelta(hours=1),
    )
    open_conv(
        subject="Discount code SPRING doesn't work",
        channel="web",
        identity_value="mia@example.org",
        customer_name="Mia Wong",
        priority="high",
        at=start + timedelta(hours=2),
    )
    main = open_conv(
        subject="Blender arrived with a cracked jug",
        body_text="Hello, my order ORD-1001 arrived today and the glass jug is cracked.",
        team=support,
        priority="high",
        at=start + timedelta(hours=3),
        tags=["damaged"],
    )
    conversation_note(
        conversation=main, actor=dana, body_text="Same courier as last week's damage."
    )
    message_receive(
        conversation=main,
        channel="phone",
        body_text="Customer called: needs it before Saturday.",
        at=timezone.now() - timedelta(minutes=30),
    )
    return main


def test_an_agent_works_a_conversation_end_to_end(
    browser_page: Page, story: Conversation, agent: User, dana: User, customer: Customer
) -> None:
    page = browser_page
    sign_in(page, "alex")
    # Nothing is assigned to alex yet, so the inbox opens on the team's queue.
    expect(page.get_by_role("heading", name="My teams")).to_be_visible()
    # "All", not "All unsolved": the view's link is named with its count ("All 4").
    page.locator('.views a[href*="view=all"]').click()
    expect(page.get_by_role("heading", name="All", exact=True)).to_be_visible()
    rows = page.locator("tr.conv-row")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Blender arrived with a cracked jug")
    screenshot(page, "workspace-inbox-1280")

    # Keyboard: j marks the first row, Enter opens it. The keys are handled by a
    # deferred script, which runs after the rows are on screen: wait for it.
    page.wait_for_load_state("load")
    page.keyboard.press("j")
    expect(rows.first).to_have_class("conv-row is-current")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Blender arrived with a cracked jug")
    timeline = page.locator(".timeline")
    expect(timeline.locator(".msg-internal")).to_contain_text("Same courier")
    expect(timeline.locator(".msg-internal .note-label")).to_have_text("Internal note")
    expect(timeline.locator(".channel-phone")).to_be_visible()
    expect(page.locator(".customer360")).to_contain_text("nora@northwind.example")
    expect(page.locator(".customer360")).to_contain_text("ORD-1001")

    # Reply.
    page.get_by_label("Message").fill("Sorry about that! A new jug ships today.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".flash")).to_have_text("Reply sent.")
    last = timeline.locator(".msg").last
    expect(last).to_contain_text("A new jug ships today.")
    expect(last).not_to_have_class("msg msg-outbound msg-internal")
    expect(page.locator(".conv-badges .status")).to_have_text("Open")
    expect(timeline).to_contain_text("alex took this")

    # Internal note: the composer switches (conversation.js, deferred), the note is marked.
    page.wait_for_load_state("load")
    page.get_by_role("radio", name="Internal note").check()
    expect(page.locator("#composer")).to_have_attribute("data-mode", "note")
    expect(page.get_by_role("button", name="Send and set solved")).to_be_hidden()
    page.get_by_label("Message").fill("Courier claim opened: #C-778.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".flash")).to_have_text("Internal note added.")
    expect(timeline.locator(".msg-internal").last).to_contain_text("Courier claim opened")

    # Reassign to a colleague in the team.
    page.get_by_label("Team / assignee").select_option(label="Support / Dana Ortiz")
    page.locator("form[action$='/assign/']").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Assigned to Support / Dana Ortiz.")
    expect(timeline).to_contain_text("alex assigned this to Dana Ortiz")

    # Solve.
    page.get_by_label("Status").select_option("solved")
    page.locator("form[action$='/status/']").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Status set to Solved.")
    expect(page.locator(".conv-badges .status")).to_have_text("Solved")
    expect(timeline).to_contain_text("alex changed status from Open to Solved")
    screenshot(page, "workspace-conversation-1280")

    page.locator(".customer360 h2 a").click()
    expect(page.locator("h1")).to_have_text("Nora Quinn")
    expect(page.locator(".data-table").first).to_contain_text("Blender arrived with a cracked jug")
    screenshot(page, "workspace-customer-1280")

    # The same pages at phone width: the side panels stack under the timeline.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/app/?view=all")
    expect(rows.first).to_be_visible()
    screenshot(page, "workspace-inbox-375")
    page.goto(f"/app/conversations/{story.pk}/")
    expect(page.locator(".props")).to_be_visible()
    main_box = page.locator(".conv-main").bounding_box()
    props_box = page.locator(".props").bounding_box()
    assert main_box
    assert props_box
    assert props_box["y"] > main_box["y"] + main_box["height"] - 1
    expect_no_sideways_scroll(page, 375)
    screenshot(page, "workspace-conversation-375")
    page.goto(f"/app/customers/{customer.pk}/")
    expect(page.locator("h1")).to_have_text("Nora Quinn")
    expect_no_sideways_scroll(page, 375)
    screenshot(page, "workspace-customer-375")
    story.refresh_from_db()
    assert (story.status, story.assignee) == ("solved", dana)


def test_hostile_content_stays_inert(
    browser_page: Page, open_conv: Opener, support: Team, agent: User
) -> None:
    conversation = open_conv(
        subject=HOSTILE,
        body_html=f"<p>Look here</p>{HOSTILE}<p>end</p>",
        team=support,
    )
    message_receive(conversation=conversation, body_html=HOSTILE + "<p>again</p>")
    page = browser_page
    sign_in(page, "alex")
    page.goto("/app/?view=all")
    subject = page.locator(".conv-subject").first
    expect(subject).to_have_text(HOSTILE)
    subject.click()
    expect(page.locator("h1")).to_have_text(HOSTILE)
    expect(page.locator(".msg-body").first).to_contain_text("Look here")
    expect(page.locator(".msg-body script, .msg-body svg, .msg-body [onerror]")).to_have_count(0)
    expect(page.locator('.msg-body a[href^="javascript"]')).to_have_count(0)
    settle(page)  # any injected handler has had its chance to fire (browser_page fails if so)


@pytest.fixture
def second_context(browser: Browser, live_server: object) -> Iterator[BrowserContext]:
    context = new_context(browser, live_server)
    yield context
    context.close()


def test_agents_are_warned_when_a_colleague_is_replying(
    browser_page: Page,
    second_context: BrowserContext,
    story: Conversation,
    agent: User,
    dana: User,
) -> None:
    conversation_assign(conversation=story, actor=agent, assignee=agent)
    sign_in(browser_page, "alex")
    browser_page.goto(f"/app/conversations/{story.pk}/")
    colleague = second_context.new_page()
    errors: list[str] = []
    colleague.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(colleague, "dana")
    colleague.goto(f"/app/conversations/{story.pk}/")
    expect(colleague.locator("#presence")).to_contain_text(
        "alex is also viewing this conversation.", timeout=POLL_TIMEOUT_MS
    )
    colleague.wait_for_load_state("load")  # conversation.js reports the draft
    colleague.get_by_label("Message").fill("Drafting an answer…")
    expect(browser_page.locator("#presence .collision-replying")).to_contain_text(
        "Dana Ortiz is replying to this conversation right now.", timeout=POLL_TIMEOUT_MS
    )
    assert errors == []


def test_the_inbox_updates_without_a_reload(
    browser_page: Page, story: Conversation, open_conv: Opener, support: Team
) -> None:
    page = browser_page
    sign_in(page, "alex")
    page.goto("/app/?view=all")
    expect(page.locator("#count-all")).to_have_text("4")
    page.evaluate("window.__stillTheSamePage = true")
    with server_paused():  # the page polls while this writes
        open_conv(subject="Brand new: the lid is missing", team=support)
    # The list refreshes itself every 10 s.
    expect(page.locator("tr.conv-row").first).to_contain_text(
        "Brand new: the lid is missing", timeout=POLL_TIMEOUT_MS
    )
    expect(page.locator("#count-all")).to_have_text("5", timeout=POLL_TIMEOUT_MS)
    assert page.evaluate("window.__stillTheSamePage") is True
