from __future__ import annotations

import pytest

from concord.accounts.models import Team, User
from concord.common.errors import Conflict
from concord.conversations import services
from concord.conversations.models import EventKind, Status


@pytest.mark.django_db
def test_it_runs_a_conversation_from_open_to_solved(agent: User, support: Team) -> None:
    conv = services.conversation_open(
        channel="email",
        identity_kind="email",
        identity_value="Ann@Example.com",
        subject="Broken",
        body_text="It broke",
        team=support,
        tags=["Bug Report"],
    )
    services.conversation_reply(conversation=conv, actor=agent, body_text="On it")
    conv.refresh_from_db()
    assert conv.status == Status.OPEN
    assert conv.assignee == agent
    services.conversation_set_status(conversation=conv, actor=agent, status="solved")
    services.message_receive(conversation=conv, body_text="Still broken")
    conv.refresh_from_db()
    assert conv.status == Status.OPEN
    assert conv.message_count == 3
    kinds = list(conv.events.values_list("kind", flat=True))
    assert EventKind.REOPENED in kinds
    assert list(conv.tags.values_list("name", flat=True)) == ["bug-report"]
    with pytest.raises(Conflict):
        services.conversation_set_status(conversation=conv, actor=agent, status="closed")
