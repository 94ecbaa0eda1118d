"""Times in emails to customers follow the zone of their portal login."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concord.accounts.services import user_set_time_zone
from concord.conversations.services import conversation_open
from concord.portal.services import portal_user_for_customer
from concord.surveys.services import survey_definition_create
from concord.surveys.services.mail import survey_email_render
from concord.surveys.tests.helpers import invite

pytestmark = pytest.mark.django_db

# Late on 1 March in UTC is already 2 March in Tokyo.
EXPIRES = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)


def _rendered(*, zone: str | None) -> tuple[str, str]:
    conversation = conversation_open(
        channel="email",
        subject="Parcel",
        body_text="Where is it?",
        identity_kind="email",
        identity_value="kei@example.jp",
    )
    customer = conversation.customer
    if zone is not None:
        user = portal_user_for_customer(customer=customer, email="kei@example.jp")
        user_set_time_zone(user=user, time_zone=zone)
        customer.refresh_from_db()
    definition = survey_definition_create(
        name="CSAT", kind="csat", subject="How did we do?", question="How satisfied are you?"
    )
    invitation, _ = invite(definition=definition, conversation=conversation)
    invitation.expires_at = EXPIRES
    invitation.save(update_fields=["expires_at"])
    _, text, html = survey_email_render(invitation=invitation)
    return text, html


def test_the_survey_deadline_is_in_the_customers_zone() -> None:
    text, html = _rendered(zone="Asia/Tokyo")
    assert "until 2 March 2027." in text
    assert "until 2 March 2027." in html


def test_without_a_zone_the_deadline_is_in_the_installation_zone() -> None:
    text, _ = _rendered(zone=None)
    assert "until 1 March 2027." in text
