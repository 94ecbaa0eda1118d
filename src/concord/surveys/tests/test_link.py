"""The link in the email: one GET records the score, then the comment page; tokens refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client

from concord.conversations.models import Conversation
from concord.surveys.models import SurveyResponse
from concord.surveys.tests.conftest import Solver, make_definition
from concord.surveys.tests.helpers import invite
from concord.surveys.tokens import SALT, make_token

pytestmark = [pytest.mark.django_db, pytest.mark.urls("concord.surveys.tests.urls")]


@pytest.fixture
def conversation(solve: Solver) -> Conversation:
    return solve(hook=False)


def test_a_click_records_the_score_and_shows_the_comment_page(
    conversation: Conversation, client: Client
) -> None:
    invitation, token = invite(definition=make_definition("csat"), conversation=conversation)
    page = client.get(f"/survey/{token}/4/")
    assert page.status_code == 200
    assert b"your answer is recorded" in page.content
    assert b'name="comment"' in page.content
    assert b"csrfmiddlewaretoken" in page.content
    assert page.headers["Referrer-Policy"] == "same-origin"
    response = SurveyResponse.objects.get()
    assert (response.score, response.kind, response.invitation) == (4, "csat", invitation)
    assert response.conversation == conversation
    assert response.customer_id == conversation.customer_id
    assert response.agent_id == conversation.assignee_id
    assert response.channel == "email"


def test_clicking_twice_updates_the_one_response(
    conversation: Conversation, client: Client
) -> None:
    _, token = invite(definition=make_definition("csat"), conversation=conversation)
    client.get(f"/survey/{token}/2/")
    first = SurveyResponse.objects.get()
    client.get(f"/survey/{token}/5/")
    client.get(f"/survey/{token}/5/")
    again = SurveyResponse.objects.get()
    assert again.pk == first.pk
    assert again.score == 5
    assert again.answered_at == first.answered_at
    assert again.updated_at > first.updated_at


def test_the_comment_is_saved_through_a_csrf_protected_form(conversation: Conversation) -> None:
    _, token = invite(definition=make_definition("csat"), conversation=conversation)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/survey/{token}/3/")
    csrf = page.context["csrf_token"]
    refused = browser.post(f"/survey/{token}/3/", {"comment": "no token"})
    assert refused.status_code == 403
    assert SurveyResponse.objects.get().comment == ""
    done = browser.post(
        f"/survey/{token}/3/", {"comment": "  The courier was late.  ", "csrfmiddlewaretoken": csrf}
    )
    assert done.status_code == 200
    assert b"Thank you for your feedback" in done.content
    response = SurveyResponse.objects.get()
    assert (response.score, response.comment) == (3, "The courier was late.")


def test_ves_asks_for_the_second_statement_on_the_comment_page(
    conversation: Conversation, client: Client
) -> None:
    _, token = invite(definition=make_definition("ves"), conversation=conversation)
    page = client.get(f"/survey/{token}/6/")
    assert b"My confidence in purchasing is higher." in page.content
    client.post(f"/survey/{token}/6/", {"score_2": "4", "comment": ""})
    response = SurveyResponse.objects.get()
    assert (response.score, response.score_2) == (6, 4)
    bad = client.post(f"/survey/{token}/6/", {"score_2": "8"})
    assert bad.status_code == 200  # the form again, with its error
    assert SurveyResponse.objects.get().score_2 == 4


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("csat", ["1", "5"], ["0", "6", "-1"]),
        ("nps", ["0", "10"], ["-1", "11"]),
        ("ces", ["1", "7"], ["0", "8"]),
        ("stars", ["1", "5"], ["0", "6"]),
        ("ves", ["1", "7"], ["0", "8"]),
        ("gcr", ["0", "1"], ["2", "-1"]),
    ],
)
def test_each_kind_takes_only_scores_on_its_scale(
    kind: str, good: list[str], bad: list[str], conversation: Conversation, client: Client
) -> None:
    _, token = invite(definition=make_definition(kind), conversation=conversation)
    for score in [*bad, "4.5", "abc", "1e1", "٣"]:
        page = client.get(f"/survey/{token}/{score}/")
        assert page.status_code == 400, score
        assert b"not on this survey" in page.content
        assert not SurveyResponse.objects.exists()
    for score in good:
        assert client.get(f"/survey/{token}/{score}/").status_code == 200
        assert SurveyResponse.objects.get().score == int(score)


def test_a_forged_token_is_refused_and_nothing_is_recorded(
    conversation: Conversation, client: Client
) -> None:
    invitation, _ = invite(definition=make_definition("csat"), conversation=conversation)
    # Signed with the right shape but not with Concord's key and salt.
    forged = signing.dumps(
        {"i": invitation.pk, "x": 4_000_000_000}, key="not-the-secret", salt=SALT
    )
    other_salt = signing.dumps({"i": invitation.pk, "x": 4_000_000_000}, salt="portal")
    for token in [forged, other_salt, "garbage", "a" * 600]:
        page = client.get(f"/survey/{token}/5/")
        assert page.status_code == 404, token
        assert b"can\xe2\x80\x99t be used" in page.content
    assert not SurveyResponse.objects.exists()


def test_a_tampered_token_is_refused(conversation: Conversation, client: Client) -> None:
    first, token = invite(definition=make_definition("csat"), conversation=conversation)
    second, _ = invite(definition=make_definition("nps"), conversation=conversation)
    payload, rest = token.split(":", 1)
    # Point the payload at the other invitation but keep the signature.
    swapped = signing.b64_encode(
        signing.JSONSerializer().dumps({"i": second.pk, "x": 4_000_000_000})
    ).decode()
    for bad in [swapped + ":" + rest, token[:-1] + ("A" if token[-1] != "A" else "B"), token[:-5]]:
        assert client.get(f"/survey/{bad}/5/").status_code == 404
    assert payload  # the token has the "payload:timestamp:signature" shape
    assert not SurveyResponse.objects.exists()
    # The genuine token still works, and only for its own invitation.
    client.get(f"/survey/{token}/5/")
    assert SurveyResponse.objects.get().invitation == first


def test_an_expired_token_is_refused(conversation: Conversation, client: Client) -> None:
    invitation, token = invite(
        definition=make_definition("csat"),
        conversation=conversation,
        expires_in=timedelta(seconds=-1),
    )
    page = client.get(f"/survey/{token}/5/")
    assert page.status_code == 410
    assert b"This survey has closed" in page.content
    # A token whose own signed expiry passed is refused even if the row says otherwise.
    from django.utils import timezone

    stale = make_token(invitation_id=invitation.pk, expires_at=timezone.now() - timedelta(days=1))
    invitation.expires_at = timezone.now() + timedelta(days=1)
    invitation.save()
    assert client.get(f"/survey/{stale}/5/").status_code == 410
    assert not SurveyResponse.objects.exists()


def test_the_survey_page_shows_every_score_as_a_link(
    conversation: Conversation, client: Client
) -> None:
    _, token = invite(definition=make_definition("nps"), conversation=conversation)
    page = client.get(f"/survey/{token}/")
    assert page.status_code == 200
    for score in range(11):
        assert f'/survey/{token}/{score}/"'.encode() in page.content
    assert not SurveyResponse.objects.exists()
