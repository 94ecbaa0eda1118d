"""Message bodies (sanitising, size, emptiness) and times given to the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from concord.accounts.models import Team, User
from concord.common.errors import ValidationFailed
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation, Event, Status

pytestmark = pytest.mark.django_db


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def open_conversation(team: Team | None = None, **kwargs: object) -> Conversation:
    args: dict[str, object] = {
        "channel": "email",
        "identity_kind": "email",
        "identity_value": "ann@example.com",
        "subject": "Help",
        "body_text": "Hello",
        "team": team,
        **kwargs,
    }
    return services.conversation_open(**args)  # type: ignore[arg-type]


def in_status(status: str) -> Conversation:
    # Scene-setting: a conversation already in ``status``.
    return factories.ConversationFactory.create(status=status, message_count=1)


@pytest.mark.parametrize(
    "payload",
    [
        "<p>Hi</p><script>alert(1)</script>",
        '<p>Hi</p><img src="x" onerror="alert(1)">',
        '<p>Hi <a href="javascript:alert(1)">there</a></p>',
        '<p>Hi <a href=" JaVaScRiPt:alert(1)">there</a></p>',
        "<p>Hi</p><svg onload=alert(1)><script>alert(1)</script></svg>",
        '<p>Hi</p><svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        '<p onclick="alert(1)" style="background:url(javascript:alert(1))">Hi</p>',
        '<p>Hi</p><iframe src="javascript:alert(1)"></iframe>',
        '<p>Hi</p><math><mtext><style><img src=x onerror="alert(1)"></style></mtext></math>',
    ],
)
def test_html_bodies_are_sanitised(agent: User, payload: str) -> None:
    conv = open_conversation(body_html=payload, body_text=None)
    reply = services.conversation_reply(conversation=conv, actor=agent, body_html=payload)
    received = services.message_receive(conversation=conv, body_html=payload)

    for message in [conv.messages.order_by("id").first(), reply, received]:
        assert message is not None
        stored = message.body_html.lower()
        for bad in (
            "script",
            "onerror",
            "onclick",
            "onload",
            "javascript",
            "<svg",
            "alert",
            "style",
        ):
            assert bad not in stored, (bad, stored)
        assert message.body_text.startswith("Hi")


def test_safe_html_survives_and_gives_plain_text(agent: User) -> None:
    conv = open_conversation()
    html = '<p>See <a href="https://example.com/x">the <b>guide</b></a></p><p>Thanks</p>'

    reply = services.conversation_reply(conversation=conv, actor=agent, body_html=html)

    assert '<a href="https://example.com/x"' in reply.body_html
    assert "<b>guide</b>" in reply.body_html
    assert reply.body_text == "See the guide\nThanks"


def test_plain_text_is_escaped_into_html(agent: User) -> None:
    conv = open_conversation()

    reply = services.conversation_reply(
        conversation=conv, actor=agent, body_text="<b>not bold</b>\n\nnext"
    )

    assert reply.body_html == "<p>&lt;b&gt;not bold&lt;/b&gt;</p><p>next</p>"
    assert reply.body_text == "<b>not bold</b>\n\nnext"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (None, None),
        ("", ""),
        ("   \n ", None),
        (None, "   "),
        (None, "<p> </p>"),
        (None, "<script>alert(1)</script>"),
        (None, "<img src=javascript:alert(1)>"),
    ],
)
def test_an_empty_body_is_refused(agent: User, text: str | None, html: str | None) -> None:
    conv = open_conversation()
    before = last_event_id()

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_reply(conversation=conv, actor=agent, body_text=text, body_html=html)
    with pytest.raises(ValidationFailed):
        services.message_receive(conversation=conv, body_text=text, body_html=html)
    with pytest.raises(ValidationFailed):
        services.conversation_note(conversation=conv, actor=agent, body_text=text, body_html=html)

    assert caught.value.field == "body"
    assert conv.messages.count() == 1
    assert not Event.objects.filter(pk__gt=before).exists()


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("x" * 2049, None),
        (None, "<p>" + "x" * 2049 + "</p>"),
        ("x" * 2049, "<p>short</p>"),  # the text must not ride in on a short html
        ("short", "<p>" + "é" * 1100 + "</p>"),  # bytes, not characters
    ],
)
def test_an_oversized_body_is_refused(
    agent: User, settings: pytest.FixtureRequest, text: str | None, html: str | None
) -> None:
    conv = open_conversation()
    settings.CONCORD_MAX_MESSAGE_BYTES = 2048  # type: ignore[attr-defined]

    with pytest.raises(ValidationFailed) as caught:
        services.conversation_reply(conversation=conv, actor=agent, body_text=text, body_html=html)
    with pytest.raises(ValidationFailed):
        services.message_receive(conversation=conv, body_text=text, body_html=html)

    assert caught.value.field == "body"
    assert conv.messages.count() == 1


def test_a_body_at_the_limit_is_accepted(agent: User, settings: pytest.FixtureRequest) -> None:
    conv = open_conversation()
    settings.CONCORD_MAX_MESSAGE_BYTES = 2048  # type: ignore[attr-defined]

    reply = services.conversation_reply(conversation=conv, actor=agent, body_text="x" * 2048)

    assert len(reply.body_text) == 2048


def test_naive_times_are_refused_everywhere(agent: User, support: Team) -> None:
    naive = datetime(2025, 1, 1, 12, 0)  # noqa: DTZ001 - naive on purpose
    conv = open_conversation(team=support)
    before = last_event_id()

    calls: list[Callable[[], object]] = [
        lambda: services.message_receive(conversation=conv, body_text="x", at=naive),
        lambda: services.conversation_reply(
            conversation=conv, actor=agent, body_text="x", at=naive
        ),
        lambda: services.conversation_note(conversation=conv, actor=agent, body_text="x", at=naive),
        lambda: services.conversation_assign(
            conversation=conv, actor=agent, assignee=agent, at=naive
        ),
        lambda: services.conversation_tag(conversation=conv, actor=agent, tags=["a"], at=naive),
        lambda: services.conversation_set_status(
            conversation=conv, actor=agent, status="open", at=naive
        ),
        lambda: services.conversation_set_priority(
            conversation=conv, actor=agent, priority="high", at=naive
        ),
        lambda: services.conversation_merge(
            source=conv, target=in_status(Status.OPEN), actor=agent, at=naive
        ),
    ]
    for call in calls:
        with pytest.raises(ValidationFailed) as caught:
            call()
        assert caught.value.field == "at"

    conv.refresh_from_db()
    assert (conv.status, conv.assignee, conv.message_count) == (Status.NEW, None, 1)
    assert not Event.objects.filter(pk__gt=before).exists()


def test_an_image_alone_is_a_body(agent: User) -> None:
    conv = open_conversation()
    note = services.conversation_note(
        conversation=conv, actor=agent, body_html='<img src="cid:screenshot@mail" alt="">'
    )
    assert note.body_html == '<img src="cid:screenshot@mail" alt="">'
