"""The conversation page and every change made from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.test import Client

from concord.accounts.models import Team, User
from concord.conversations.models import Attachment, Conversation, Message
from concord.conversations.services import (
    conversation_note,
    conversation_reply,
    conversation_set_status,
    conversation_tag,
    message_receive,
)
from concord.conversations.services.attachments import attachment_store
from concord.workspace.tests.conftest import Opener

SignIn = Callable[[User], Client]


@pytest.fixture
def conv(open_conv: Opener, support: Team) -> Conversation:
    return open_conv(team=support)


def url(conversation: Conversation, action: str = "") -> str:
    return f"/app/conversations/{conversation.pk}/{action + '/' if action else ''}"


def fresh(conversation: Conversation) -> Conversation:
    conversation.refresh_from_db()
    return conversation


def flashes(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_page_shows_the_timeline_with_notes_and_events(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    conversation_reply(conversation=conv, actor=agent, body_text="We are on it.")
    conversation_note(conversation=conv, actor=agent, body_text="Check the warehouse.")
    message_receive(conversation=conv, body_text="Thanks, by SMS", channel="sms")
    html = as_user(agent).get(url(conv)).content.decode()
    assert html.index("It has not arrived yet.") < html.index("We are on it.")
    assert html.index("We are on it.") < html.index("Check the warehouse.")
    assert html.index("Check the warehouse.") < html.index("Thanks, by SMS")
    assert html.count('class="msg msg-outbound msg-internal"') == 1
    assert '<span class="note-label">Internal note</span>' in html
    assert '<span class="channel channel-sms">SMS</span>' in html
    assert "alex took this" in html
    assert "alex changed status from New to Open" in html
    assert "Conversation started by Email" in html


def test_bodies_are_sanitised_html_and_subjects_plain_text(
    as_user: SignIn, agent: User, open_conv: Opener, support: Team
) -> None:
    conversation = open_conv(
        team=support,
        subject="<i>Hi</i> <script>alert(1)</script>",
        body_html=(
            "<p>Hello <strong>there</strong></p><script>alert(2)</script>"
            '<img src=x onerror="alert(3)"><img src="/app/logout/">'
        ),
    )
    html = as_user(agent).get(url(conversation)).content.decode()
    assert "<strong>there</strong>" in html
    assert "alert(2)" not in html
    assert "onerror" not in html
    # A relative image would make the agent's browser request this site's URLs.
    assert 'src="x"' not in html
    assert 'src="/app/logout/"' not in html
    assert "&lt;i&gt;Hi&lt;/i&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>Hi</i>" not in html


def test_a_reply_is_sent_and_the_page_reloads(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    response = as_user(agent).post(url(conv, "messages"), {"mode": "reply", "body": "On its way!"})
    assert response.status_code == 302
    assert response["Location"] == url(conv)
    assert flashes(response) == ["Reply sent."]
    message = Message.objects.get(conversation=conv, body_text="On its way!")
    assert (message.visibility, message.direction, message.author_user) == (
        "public",
        "outbound",
        agent,
    )
    assert fresh(conv).status == "open"
    assert conv.assignee == agent


def test_send_and_set_solved(as_user: SignIn, agent: User, conv: Conversation) -> None:
    response = as_user(agent).post(
        url(conv, "messages"), {"mode": "reply", "body": "Refunded.", "status": "solved"}
    )
    assert flashes(response) == ["Reply sent; status set to Solved."]
    assert fresh(conv).status == "solved"


def test_a_new_conversation_shows_new_in_the_status_menu(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    # "New" cannot be chosen, but it must not look like "Open" either: a Save
    # without a choice is refused instead of silently opening the conversation.
    client = as_user(agent)
    page = client.get(url(conv)).content.decode()
    assert '<option value="" selected disabled>New</option>' in page
    client.post(url(conv, "status"), {})
    assert fresh(conv).status == "new"


def test_an_internal_note(as_user: SignIn, agent: User, conv: Conversation) -> None:
    response = as_user(agent).post(url(conv, "messages"), {"mode": "note", "body": "Ask Bea."})
    assert flashes(response) == ["Internal note added."]
    note = Message.objects.get(conversation=conv, body_text="Ask Bea.")
    assert note.visibility == "internal"
    assert fresh(conv).status == "new"  # a note is not an answer


def test_an_empty_message_keeps_the_form_and_changes_nothing(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    response = as_user(agent).post(url(conv, "messages"), {"mode": "note", "body": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert 'value="note" checked' in response.content.decode()
    assert conv.messages.count() == 1


def test_a_service_refusal_is_shown_on_the_form(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    conversation_set_status(conversation=conv, actor=agent, status="solved")
    response = as_user(agent).post(
        url(conv, "messages"), {"mode": "reply", "body": "Draft kept", "status": "on_hold"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A conversation cannot go from solved to on_hold." in html
    assert "Draft kept</textarea>" in html
    assert not conv.messages.filter(body_text="Draft kept").exists()


def test_reassign_within_the_team(
    as_user: SignIn, agent: User, dana: User, support: Team, conv: Conversation
) -> None:
    response = as_user(agent).post(url(conv, "assign"), {"assignment": f"{support.pk}:{dana.pk}"})
    assert response["Location"] == url(conv)
    assert flashes(response) == ["Assigned to Support / Dana Ortiz."]
    assert (fresh(conv).team, conv.assignee) == (support, dana)


def test_handing_to_another_team_returns_to_the_inbox(
    as_user: SignIn, agent: User, other_agent: User, billing: Team, conv: Conversation
) -> None:
    response = as_user(agent).post(
        url(conv, "assign"), {"assignment": f"{billing.pk}:{other_agent.pk}"}
    )
    assert response["Location"] == "/app/"
    assert flashes(response) == [f"#{conv.pk} assigned to Billing / bea; it left your queues."]
    assert (fresh(conv).team, conv.assignee) == (billing, other_agent)


def test_an_unknown_assignment_is_a_form_error(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    response = as_user(agent).post(url(conv, "assign"), {"assignment": "999:999"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert fresh(conv).assignee is None


def test_status_and_priority(as_user: SignIn, agent: User, conv: Conversation) -> None:
    client = as_user(agent)
    client.post(url(conv, "status"), {"status": "on_hold"})
    client.post(url(conv, "priority"), {"priority": "urgent"})
    assert (fresh(conv).status, conv.priority) == ("on_hold", "urgent")
    html = client.get(url(conv)).content.decode()
    assert "alex changed status from New to On hold" in html
    assert "alex changed priority from Normal to Urgent" in html


def test_an_impossible_status_change_is_explained(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    conversation_set_status(conversation=conv, actor=agent, status="solved")
    response = as_user(agent).post(url(conv, "status"), {"status": "pending"})
    assert response.status_code == 200
    assert "A conversation cannot go from solved to pending." in response.content.decode()
    assert fresh(conv).status == "solved"


def test_tags_are_added_and_removed(as_user: SignIn, agent: User, conv: Conversation) -> None:
    client = as_user(agent)
    added = client.post(url(conv, "tags"), {"tag": "Refund, late delivery"})
    assert flashes(added) == ["Tagged late-delivery, refund."]
    assert sorted(t.name for t in conv.tags.all()) == ["late-delivery", "refund"]
    client.post(url(conv, "tags/remove"), {"tag": "refund"})
    assert [t.name for t in conv.tags.all()] == ["late-delivery"]
    bad = client.post(url(conv, "tags"), {"tag": "no/slashes"})
    assert "is not a valid tag" in bad.content.decode()


def test_merge_into_another_conversation(
    as_user: SignIn, agent: User, conv: Conversation, open_conv: Opener, support: Team
) -> None:
    target = open_conv(team=support, subject="The original")
    conversation_tag(conversation=conv, actor=agent, tags=["dup"])
    response = as_user(agent).post(url(conv, "merge"), {"target": target.pk})
    assert response["Location"] == url(target)
    assert fresh(conv).merged_into == target
    assert target.messages.count() == 2
    stub = as_user(agent).get(url(conv)).content.decode()
    assert f'was merged into <a href="/app/conversations/{target.pk}/">#{target.pk}</a>' in stub
    assert 'id="composer"' not in stub


@pytest.mark.parametrize("target", ["self", "missing", "other-team"])
def test_a_bad_merge_target_is_a_form_error(
    as_user: SignIn,
    agent: User,
    conv: Conversation,
    open_conv: Opener,
    billing: Team,
    target: str,
) -> None:
    pk = {
        "self": conv.pk,
        "missing": 987654,
        "other-team": open_conv(team=billing).pk if target == "other-team" else 0,
    }[target]
    response = as_user(agent).post(url(conv, "merge"), {"target": pk})
    assert response.status_code == 200
    assert "form-errors" in response.content.decode()
    assert fresh(conv).merged_into is None


def test_a_closed_conversation_has_no_composer_and_refuses_replies(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    conversation_set_status(conversation=conv, actor=agent, status="solved")
    conversation_set_status(conversation=conv, actor=agent, status="closed")
    client = as_user(agent)
    page = client.get(url(conv)).content.decode()
    assert 'id="composer"' not in page
    assert "This conversation is closed." in page
    response = client.post(url(conv, "messages"), {"mode": "reply", "body": "Hello?"})
    assert response.status_code == 200
    assert "This conversation is closed." in response.content.decode()
    assert conv.messages.count() == 1


ACTIONS: list[tuple[str, dict[str, str]]] = [
    ("", {}),
    ("messages", {"mode": "reply", "body": "hi"}),
    ("assign", {"assignment": ":"}),
    ("status", {"status": "pending"}),
    ("priority", {"priority": "high"}),
    ("tags", {"tag": "x"}),
    ("tags/remove", {"tag": "x"}),
    ("merge", {"target": "1"}),
    ("presence", {"state": "viewing"}),
]


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_another_teams_conversation_is_a_404_for_an_agent(
    as_user: SignIn,
    agent: User,
    open_conv: Opener,
    billing: Team,
    action: str,
    data: dict[str, str],
) -> None:
    theirs = open_conv(team=billing)
    client = as_user(agent)
    response = client.post(url(theirs, action), data) if action else client.get(url(theirs))
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
    theirs.refresh_from_db()
    assert (theirs.status, theirs.priority, theirs.message_count) == ("new", "normal", 1)
    assert not theirs.tags.exists()


def test_a_collaborator_sees_no_conversation(
    as_user: SignIn, collaborator: User, conv: Conversation
) -> None:
    assert as_user(collaborator).get(url(conv)).status_code == 404


def test_presence_warns_about_a_colleague_replying(
    as_user: SignIn, client: Client, agent: User, dana: User, conv: Conversation
) -> None:
    alone = as_user(agent).post(url(conv, "presence"), {"state": "viewing"})
    assert alone.content.decode().strip() == ""
    other = Client()
    other.force_login(dana)
    seen_by_dana = other.post(url(conv, "presence"), {"state": "replying"}).content.decode()
    assert "alex is also viewing this conversation." in seen_by_dana
    seen_by_alex = client.post(url(conv, "presence"), {"state": "viewing"}).content.decode()
    assert "Dana Ortiz is replying to this conversation right now." in seen_by_alex


@pytest.mark.parametrize("extra", [2, 29])
def test_the_page_query_count_does_not_grow_with_the_messages(
    as_user: SignIn,
    agent: User,
    dana: User,
    conv: Conversation,
    extra: int,
    django_assert_max_num_queries: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"
    for n in range(extra):
        if n % 3 == 0:
            message = message_receive(conversation=conv, body_text=f"Customer {n}", channel="chat")
        elif n % 3 == 1:
            message = conversation_reply(conversation=conv, actor=agent, body_text=f"Reply {n}")
        else:
            message = conversation_note(conversation=conv, actor=dana, body_text=f"Note {n}")
        # Every other message carries a file or two, so their query is part of the bound.
        for i in range(n % 2 * (1 + n % 3)):
            attachment_store(
                message=message,
                uploaded_file=ContentFile(b"x" * (n + 1), name=f"file-{n}-{i}.txt"),
                content_type="text/plain",
            )
        conversation_tag(conversation=conv, actor=agent, tags=[f"t{n}"])
    client = as_user(agent)
    # The 17th query reads the email delivery states of the outbound messages;
    # the 18th reads the SLA clocks, the 19th the customer's last survey answers,
    # the 20th the phone calls about the conversation, the 21st what the mail
    # worker noted about the customer's emails.
    # 22: the consults of the conversation (one query, their threads only when there are any).
    # 23: the problems it is linked to and the open ones to link it to (one query).
    with django_assert_max_num_queries(23):
        response = client.get(url(conv))
    assert len([e for e in response.context["timeline"] if e.message]) == extra + 1
    files = Attachment.objects.filter(message__conversation=conv)
    assert files.count() == sum(n % 2 * (1 + n % 3) for n in range(extra)) > 0
    body = response.content.decode()
    assert all(f'href="/app/attachments/{f.pk}/"' in body for f in files)


def test_a_note_with_a_refused_status_leaves_no_note(
    as_user: SignIn, agent: User, conv: Conversation
) -> None:
    conversation_set_status(conversation=conv, actor=agent, status="solved")
    response = as_user(agent).post(
        url(conv, "messages"), {"mode": "note", "body": "FYI", "status": "pending"}
    )
    assert "A conversation cannot go from solved to pending." in response.content.decode()
    assert not conv.messages.filter(body_text="FYI").exists()
    ok = as_user(agent).post(
        url(conv, "messages"), {"mode": "note", "body": "FYI", "status": "open"}
    )
    assert flashes(ok) == ["Note added; status Open."]
    assert (fresh(conv).status, conv.messages.filter(body_text="FYI").count()) == ("open", 1)
