"""A consult end to end in real Chromium (issue 16's journey).

The Support agent asks Billing; the customer's portal says Billing is
checking; a Billing collaborator, who sees nothing else, answers and names the
agent; the agent quotes the answer to the customer and solves.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from concord.accounts.models import Team, User
from concord.common.testing.browser import PageProblems, new_context, screenshot
from concord.customers.models import Customer
from concord.portal.services import portal_password_set
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long portal passphrase 42"


def sign_in(page: Page, username: str) -> None:
    page.goto("/app/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".usermenu-name")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def test_the_owner_consults_billing_and_relays_the_answer(
    browser: Browser,
    live_server: object,
    page_problems: PageProblems,
    browser_page: Page,
    agent: User,
    collaborator: User,
    support: Team,
    billing: Team,
    customer: Customer,
    open_conv: Opener,
) -> None:
    from concord.portal.services import portal_user_for_customer

    nora = portal_user_for_customer(customer=customer, email="nora@northwind.example")
    portal_password_set(user=nora, password=PASSWORD)
    conversation = open_conv(subject="Charged twice for one order", team=support)
    open_conv(subject="Someone else's parcel", team=support)
    page = browser_page

    # The owner asks Billing, and keeps the conversation.
    sign_in(page, "alex")
    page.goto(f"/app/conversations/{conversation.pk}/")
    page.get_by_text("Ask another team").click()
    page.get_by_label("Ask team").select_option(label="Billing")
    page.get_by_label("Question").fill("Was the second charge refunded?")
    page.get_by_label("Answer within").fill("4h")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Asked Billing. You keep the conversation.")
    consult = page.locator("article.consult")
    expect(consult).to_contain_text("alex asked Billing")
    expect(consult).to_contain_text("Waiting for an answer")
    expect(page.locator(".conv-badges .status")).to_have_text("On hold")
    screenshot(page, "consult-asked")
    sign_out(page)

    # The customer is told who is checking, not what was asked.
    customer_context = new_context(browser, live_server)
    portal = customer_context.new_page()
    portal.on("pageerror", page_problems.on_page_error)
    portal.goto("/help/sign-in/")
    form = portal.locator("section[aria-labelledby=password-heading]")
    form.locator("input[name=email]").fill("nora@northwind.example")
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    portal.goto(f"/help/requests/{conversation.pk}/")
    expect(portal.get_by_role("status").filter(has_text="checking")).to_have_text(
        "The Billing team is checking this for you."
    )
    expect(portal.get_by_text("Was the second charge refunded?")).to_have_count(0)
    screenshot(portal, "consult-portal")

    # The Billing collaborator sees only this, and answers inside the consult.
    sign_in(page, "carl")
    expect(page.get_by_role("heading", name="Consults for my team")).to_be_visible()
    expect(page.get_by_text("Someone else's parcel")).to_have_count(0)
    page.get_by_role("link", name="Was the second charge refunded?").click()
    expect(page.locator("#composer")).to_have_count(0)
    page.get_by_label("Your answer").fill("Yes, refunded on the 3rd. @alex can you tell her?")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".flash")).to_contain_text("Sent in the consult")
    expect(page.locator("article.consult")).to_contain_text("Answered")
    screenshot(page, "consult-answered")
    sign_out(page)

    # The owner hears it, quotes it to the customer in their own words, and solves.
    sign_in(page, "alex")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    nav.get_by_role("link", name="Notifications").click()
    expect(page.locator("tr[data-notification]").first).to_contain_text(
        f"carl answered about #{conversation.pk}"
    )
    page.goto(f"/app/conversations/{conversation.pk}/")
    page.get_by_role("button", name="Quote in reply").click()
    body = page.get_by_label("Message")
    expect(body).to_have_value("> Yes, refunded on the 3rd. @alex can you tell her?\n\n")
    body.fill("Good news: our billing team refunded the second charge on the 3rd.")
    page.get_by_role("button", name="Send and set solved").click()
    expect(page.locator(".conv-badges .status")).to_have_text("Solved")
    page.get_by_role("button", name="Close this consult").click()
    expect(page.locator("article.consult")).to_contain_text("Closed")
    screenshot(page, "consult-relayed")

    portal.reload()
    expect(portal.get_by_text("The Billing team is checking this for you.")).to_have_count(0)
    expect(portal.get_by_text("refunded the second charge on the 3rd")).to_be_visible()
    customer_context.close()
