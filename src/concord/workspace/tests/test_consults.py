"""Consults in the workspace: asking from the page, the team's queue, who may do what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.collaboration.models import Consult
from concord.collaboration.services import consult_open
from concord.conversations.models import Conversation
from concord.workspace.tests.conftest import Opener

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]


@pytest.fixture
def conv(open_conv: Opener, support: Team) -> Conversation:
    return open_conv(subject="Charged twice", team=support)


def test_an_agent_asks_billing_from_the_conversation_page(
    as_user: SignIn, agent: User, billing: Team, conv: Conversation
) -> None:
    client = as_user(agent)
    page = client.get(f"/app/conversations/{conv.pk}/").content.decode()
    assert "Ask another team" in page
    response = client.post(
        f"/app/conversations/{conv.pk}/consults/",
        {"team": str(billing.pk), "question": "Was it refunded?", "due_in": "4h", "hold": "on"},
    )
    consult = Consult.objects.get()
    assert response["Location"] == f"/app/conversations/{conv.pk}/#consult-{consult.pk}"
    assert consult.team == billing
    assert consult.due_at is not None
    conv.refresh_from_db()
    assert conv.status == "on_hold"


def test_asking_nobody_or_with_a_bare_number_is_refused_on_the_page(
    as_user: SignIn, agent: User, conv: Conversation, billing: Team
) -> None:
    client = as_user(agent)
    page = client.post(
        f"/app/conversations/{conv.pk}/consults/", {"question": "Anyone?", "due_in": "4"}
    ).content.decode()
    assert "Choose a team or a person to ask." in page
    assert "has no unit" in page
    assert not Consult.objects.exists()


def test_the_collaborator_lands_on_their_consults_and_reads_but_cannot_work(
    as_user: SignIn,
    agent: User,
    collaborator: User,
    billing: Team,
    conv: Conversation,
    open_conv: Opener,
) -> None:
    other = open_conv(subject="Not consulted", team=conv.team)
    consult = consult_open(conversation=conv, actor=agent, team=billing, question="Refund?")
    client = as_user(collaborator)
    assert client.get("/app/")["Location"] == "/app/consults/"
    queue = client.get("/app/consults/").content.decode()
    assert "Refund?" in queue
    assert "Not consulted" not in queue
    page = client.get(f"/app/conversations/{conv.pk}/").content.decode()
    assert "Your answer" in page
    assert 'id="composer"' not in page  # no reply to the customer from here
    assert client.get(f"/app/conversations/{other.pk}/").status_code == 404
    assert (
        client.post(
            f"/app/conversations/{conv.pk}/messages/", {"mode": "reply", "body": "Hi"}
        ).status_code
        == 403
    )
    answer = client.post(f"/app/consults/{consult.pk}/reply/", {"body": "Yes, refunded."})
    assert answer.status_code == 302
    consult.refresh_from_db()
    assert consult.status == "answered"
    assert client.get(f"/app/consults/{consult.pk}/")["Location"].endswith(f"#consult-{consult.pk}")


def test_a_consult_is_not_found_for_those_it_does_not_concern(
    as_user: SignIn, agent: User, other_agent: User, billing: Team, conv: Conversation
) -> None:
    legal = Team.objects.create(name="Legal", slug="legal")
    consult = consult_open(conversation=conv, actor=agent, team=legal, question="Allowed?")
    client = as_user(other_agent)  # in Billing, not Legal
    assert client.get(f"/app/consults/{consult.pk}/").status_code == 404
    assert client.post(f"/app/consults/{consult.pk}/reply/", {"body": "x"}).status_code == 404
    assert client.post(f"/app/consults/{consult.pk}/close/").status_code == 404


def test_the_portal_tells_the_customer_who_is_checking(
    agent: User, billing: Team, conv: Conversation, client: Client
) -> None:
    from concord.common.testing import factories

    portal_user = factories.UserFactory.create(username="nora", role="customer")
    conv.customer.user = portal_user
    conv.customer.save(update_fields=["user"])
    consult_open(conversation=conv, actor=agent, team=billing, question="Refund?")
    client.force_login(portal_user)
    page = client.get(f"/help/requests/{conv.pk}/").content.decode()
    assert "The Billing team is checking this for you." in page
    assert "Refund?" not in page  # the question itself is internal
