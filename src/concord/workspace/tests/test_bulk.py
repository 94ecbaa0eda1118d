"""Bulk actions on the inbox: each row through its service, failures reported per row."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.messages import get_messages
from django.test import Client

from concord.accounts.models import Team, User
from concord.conversations.models import Conversation, Event, EventKind
from concord.conversations.services import conversation_set_status
from concord.workspace.tests.conftest import Opener

SignIn = Callable[[User], Client]


def refreshed(conversation: Conversation) -> Conversation:
    conversation.refresh_from_db()
    return conversation


def flashes(response: object) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_bulk_assign_to_a_team_member(
    as_user: SignIn, agent: User, dana: User, support: Team, open_conv: Opener
) -> None:
    a, b = open_conv(team=support), open_conv(team=support)
    response = as_user(agent).post(
        "/app/bulk/",
        {
            "ids": [a.pk, b.pk],
            "action": "assign",
            "assignment": f"{support.pk}:{dana.pk}",
            "next": "/app/?view=all",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/app/?view=all"
    assert refreshed(a).assignee == dana
    assert refreshed(b).assignee == dana
    assert flashes(response) == ["Updated 2 conversations."]
    assert Event.objects.filter(kind=EventKind.ASSIGNED, actor_user=agent).count() == 2


def test_bulk_status_reports_the_rows_that_fail(
    as_user: SignIn, agent: User, support: Team, open_conv: Opener
) -> None:
    fine, closed = open_conv(team=support), open_conv(team=support)
    conversation_set_status(conversation=closed, actor=agent, status="solved")
    conversation_set_status(conversation=closed, actor=agent, status="closed")
    response = as_user(agent).post(
        "/app/bulk/", {"ids": [fine.pk, closed.pk], "action": "status", "status": "pending"}
    )
    assert refreshed(fine).status == "pending"
    assert refreshed(closed).status == "closed"
    assert flashes(response) == [
        f"#{closed.pk}: A conversation cannot go from closed to pending.",
        "Updated 1 conversation.",
    ]


def test_bulk_tag(as_user: SignIn, agent: User, support: Team, open_conv: Opener) -> None:
    a = open_conv(team=support)
    as_user(agent).post("/app/bulk/", {"ids": [a.pk], "action": "tag", "tag": "Needs Review"})
    assert [t.name for t in a.tags.all()] == ["needs-review"]


def test_bulk_skips_conversations_the_agent_cannot_see(
    as_user: SignIn, agent: User, billing: Team, support: Team, open_conv: Opener
) -> None:
    theirs = open_conv(team=billing)
    response = as_user(agent).post(
        "/app/bulk/", {"ids": [theirs.pk], "action": "tag", "tag": "mine-now"}
    )
    assert not theirs.tags.exists()
    assert flashes(response) == [f"#{theirs.pk}: Conversation {theirs.pk} not found."]


def test_bulk_without_a_selection_or_value_changes_nothing(
    as_user: SignIn, agent: User, support: Team, open_conv: Opener
) -> None:
    a = open_conv(team=support)
    client = as_user(agent)
    nothing = client.post("/app/bulk/", {"action": "status", "status": "pending"})
    assert "Select at least one conversation." in flashes(nothing)
    no_value = client.post("/app/bulk/", {"ids": [a.pk], "action": "status", "status": ""})
    assert "Set status: Choose a value for this action." in flashes(no_value)
    garbage = client.post("/app/bulk/", {"ids": ["1; drop"], "action": "tag", "tag": "x"})
    assert "Those are not conversation ids." in flashes(garbage)
    assert refreshed(a).status == "new"


def test_bulk_never_redirects_off_site(
    as_user: SignIn, agent: User, support: Team, open_conv: Opener
) -> None:
    a = open_conv(team=support)
    response = as_user(agent).post(
        "/app/bulk/",
        {"ids": [a.pk], "action": "tag", "tag": "x", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/app/"


def test_bulk_needs_a_post(as_user: SignIn, agent: User) -> None:
    assert as_user(agent).get("/app/bulk/").status_code == 405
