"""The survey email in real Chromium: its buttons are plain links that record the answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from playwright.sync_api import Page, expect

from concord.common.testing.browser import new_context, screenshot
from concord.surveys.models import SurveyDefinition, SurveyResponse
from concord.surveys.tests.conftest import Solver

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("concord.surveys.tests.urls"),
]


def test_a_customer_answers_from_the_email_in_a_browser(
    browser_page: Page, live_server: Any, settings: Any, csat: SurveyDefinition, solve: Solver
) -> None:
    settings.CONCORD_BASE_URL = live_server.url
    conversation = solve()
    [email] = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    html, mime = email.alternatives[0]
    assert mime == "text/html"

    page = browser_page
    # The email as a mail client shows it: no scripts (JavaScript off), links only.
    page.set_content(str(html))
    expect(page.get_by_role("heading", name=csat.question)).to_be_visible()
    buttons = page.locator("a[data-score]")
    expect(buttons).to_have_count(5)
    for score in range(1, 6):
        link = page.get_by_role("link", name=str(score), exact=True)
        expect(link).to_be_visible()
        href = link.get_attribute("href") or ""
        assert href.startswith(f"{live_server.url}/survey/")
        assert href.endswith(f"/{score}/")
    assert "1 = Very unsatisfied" in page.content()
    screenshot(page, "survey-email")

    page.get_by_role("link", name="4", exact=True).click()
    expect(page.get_by_role("heading", name="Thank you, your answer is recorded")).to_be_visible()
    expect(page.locator("[data-recorded-score]")).to_have_text("4")
    response = SurveyResponse.objects.get()
    assert (response.score, response.conversation_id) == (4, conversation.pk)
    screenshot(page, "survey-comment")

    page.get_by_label("What could we have done better?").fill("Tell me sooner when it is late.")
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    response.refresh_from_db()
    assert (response.score, response.comment) == (4, "Tell me sooner when it is late.")
    assert SurveyResponse.objects.count() == 1


def test_the_email_links_work_with_javascript_off(
    browser: Any, live_server: Any, settings: Any, csat: SurveyDefinition, solve: Solver
) -> None:
    settings.CONCORD_BASE_URL = live_server.url
    solve()
    [email] = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    html, _ = email.alternatives[0]
    context = new_context(browser, live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_content(str(html))
        page.get_by_role("link", name="2", exact=True).click()
        expect(
            page.get_by_role("heading", name="Thank you, your answer is recorded")
        ).to_be_visible()
    finally:
        context.close()
    assert SurveyResponse.objects.get().score == 2
