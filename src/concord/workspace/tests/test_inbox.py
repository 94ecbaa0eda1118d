"""The inbox: views, counts, filters, sorting, paging, live refresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.conversations.models import Conversation
from concord.conversations.services import (
    conversation_assign,
    conversation_merge,
    conversation_set_status,
)
from concord.workspace.tests.conftest import Opener

SignIn = Callable[[User], Client]


def ids(response: Any) -> list[int]:
    return [c.pk for c in response.context["page"].items]


@pytest.fixture
def scene(
    open_conv: Opener, agent: User, dana: User, support: Team, billing: Team
) -> dict[str, Conversation]:
    """One conversation per interesting state, an hour apart, oldest first."""
    start = timezone.now() - timedelta(hours=20)
    at = iter(start + timedelta(hours=n) for n in range(20))
    mine = open_conv(subject="Mine", team=support, at=next(at), tags=["vip"])
    conversation_assign(conversation=mine, actor=agent, assignee=agent, at=next(at))
    unassigned = open_conv(subject="Nobody's", team=support, channel="chat", at=next(at))
    danas = open_conv(subject="Dana's", team=support, priority="urgent", at=next(at))
    conversation_assign(conversation=danas, actor=dana, assignee=dana, at=next(at))
    pending = open_conv(subject="Waiting on customer", team=support, at=next(at))
    conversation_set_status(conversation=pending, actor=agent, status="pending", at=next(at))
    held = open_conv(subject="Waiting on billing", team=support, at=next(at))
    conversation_set_status(conversation=held, actor=agent, status="on_hold", at=next(at))
    solved = open_conv(subject="Done", team=support, at=next(at))
    conversation_set_status(conversation=solved, actor=agent, status="solved", at=next(at))
    closed = open_conv(subject="Long done", team=support, at=next(at))
    conversation_set_status(conversation=closed, actor=agent, status="solved", at=next(at))
    conversation_set_status(conversation=closed, actor=agent, status="closed", at=next(at))
    triage = open_conv(subject="No team yet", at=next(at))
    billing_only = open_conv(subject="Billing's own", team=billing, at=next(at))
    return {
        "mine": mine,
        "unassigned": unassigned,
        "danas": danas,
        "pending": pending,
        "held": held,
        "solved": solved,
        "closed": closed,
        "triage": triage,
        "billing": billing_only,
    }


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", ["mine"]),
        ("unassigned", ["triage", "held", "pending", "unassigned"]),
        ("my_teams", ["held", "pending", "danas", "unassigned", "mine"]),
        ("unsolved", ["triage", "held", "pending", "danas", "unassigned", "mine"]),
        # Closed conversations are history: not in "All", in "Closed".
        ("all", ["triage", "solved", "held", "pending", "danas", "unassigned", "mine"]),
        ("pending", ["pending"]),
        ("on_hold", ["held"]),
        ("solved", ["solved"]),
        ("closed", ["closed"]),
    ],
)
def test_each_view_lists_its_conversations_newest_first(
    as_user: SignIn, agent: User, scene: dict[str, Conversation], view: str, expected: list[str]
) -> None:
    response = as_user(agent).get("/app/", {"view": view})
    assert response.status_code == 200
    assert ids(response) == [scene[name].pk for name in expected]


def test_counts_per_view_match_the_lists(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(agent).get("/app/")
    counts = {key: count for key, _label, count in response.context["views"]}
    assert counts == {
        "mine": 1,
        "unassigned": 4,
        "my_teams": 5,
        "unsolved": 6,
        "all": 7,
        "pending": 1,
        "on_hold": 1,
        "solved": 1,
        "closed": 1,
    }
    assert '<span class="count" id="count-all">7</span>' in response.content.decode()


def test_the_default_view_is_my_open(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(agent).get("/app/")
    assert response.context["view"] == "mine"
    assert ids(response) == [scene["mine"].pk]


def test_with_nothing_of_their_own_an_agent_lands_on_their_teams_work(
    as_user: SignIn, agent: User, supervisor: User, scene: dict[str, Conversation]
) -> None:
    conversation_set_status(conversation=scene["mine"], actor=agent, status="pending")
    response = as_user(agent).get("/app/")
    assert response.context["view"] == "my_teams"

    # A supervisor in no team, with nothing assigned, lands on the unassigned queue.
    response = as_user(supervisor).get("/app/")
    assert response.context["view"] == "unassigned"


def test_merged_conversations_leave_the_views(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    conversation_merge(source=scene["unassigned"], target=scene["mine"], actor=agent)
    response = as_user(agent).get("/app/", {"view": "all"})
    assert scene["unassigned"].pk not in ids(response)
    counts = {key: count for key, _label, count in response.context["views"]}
    assert counts["all"] == 6


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "chat"}, ["unassigned"]),
        ({"priority": "urgent"}, ["danas"]),
        ({"tag": "vip"}, ["mine"]),
        ({"tag": "VIP "}, ["mine"]),
    ],
)
def test_filters_narrow_the_list(
    as_user: SignIn,
    agent: User,
    scene: dict[str, Conversation],
    params: dict[str, str],
    expected: list[str],
) -> None:
    response = as_user(agent).get("/app/", {"view": "all", **params})
    assert ids(response) == [scene[name].pk for name in expected]


def test_the_team_filter(
    as_user: SignIn, admin_user: User, scene: dict[str, Conversation], billing: Team
) -> None:
    response = as_user(admin_user).get("/app/", {"view": "all", "team": str(billing.pk)})
    assert ids(response) == [scene["billing"].pk]


def test_the_customer_filter_names_the_customer(
    as_user: SignIn, agent: User, scene: dict[str, Conversation], open_conv: Opener
) -> None:
    other = open_conv(subject="Someone else", identity_value="zed@example.org")
    client = as_user(agent)
    response = client.get("/app/", {"view": "all", "customer": str(other.customer_id)})
    assert ids(response) == [other.pk]
    html = response.content.decode()
    assert "Customer: <a" in html
    assert 'aria-label="Remove customer filter"' in html


def test_an_invalid_filter_is_reported_and_ignored(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(agent).get("/app/", {"view": "all", "channel": "pigeon"})
    assert response.status_code == 200
    assert len(ids(response)) == 7
    assert "Select a valid choice" in response.content.decode()


def test_an_unknown_view_falls_back_to_my_open(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(agent).get("/app/", {"view": "everything"})
    assert response.status_code == 200
    assert response.context["view"] == "mine"


def test_sorting_by_waiting_longest_puts_the_oldest_update_first(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(agent).get("/app/", {"view": "my_teams", "sort": "oldest"})
    # Pending waits on the customer, not the customer on us: left out.
    names = ["mine", "unassigned", "danas", "held"]
    assert ids(response) == [scene[name].pk for name in names]


def test_waiting_longest_lists_only_conversations_where_the_customer_waits(
    as_user: SignIn, admin_user: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(admin_user).get("/app/", {"view": "all", "sort": "oldest"})
    names = ["mine", "unassigned", "danas", "held", "triage", "billing"]
    assert ids(response) == [scene[name].pk for name in names]
    solved = as_user(admin_user).get("/app/", {"view": "solved", "sort": "oldest"})
    assert ids(solved) == []
    assert "where the customer is waiting on us" in solved.content.decode()


def test_admins_and_supervisors_have_all_unsolved(
    as_user: SignIn, admin_user: User, supervisor: User, scene: dict[str, Conversation]
) -> None:
    unsolved = ["billing", "triage", "held", "pending", "danas", "unassigned", "mine"]
    for user in (admin_user, supervisor):
        response = as_user(user).get("/app/", {"view": "unsolved"})
        assert response.context["view_label"] == "All unsolved"
        assert ids(response) == [scene[name].pk for name in unsolved]
        assert '<span class="count" id="count-unsolved">7</span>' in response.content.decode()


@pytest.mark.parametrize("sort", ["updated", "oldest"])
def test_pages_of_fifty_follow_the_cursor(
    as_user: SignIn, agent: User, open_conv: Opener, support: Team, sort: str
) -> None:
    start = timezone.now() - timedelta(days=1)
    made = [
        open_conv(subject=f"Row {n}", team=support, at=start + timedelta(minutes=n)).pk
        for n in range(53)
    ]
    client = as_user(agent)
    first = client.get("/app/", {"view": "all", "sort": sort})
    assert len(ids(first)) == 50
    cursor = first.context["page"].next_cursor
    assert cursor
    assert f"cursor={cursor}" in first.content.decode()
    second = client.get("/app/", {"view": "all", "sort": sort, "cursor": cursor})
    order = list(reversed(made)) if sort == "updated" else made
    assert ids(first) + ids(second) == order
    assert second.context["page"].next_cursor is None


def test_a_forged_cursor_starts_from_the_top(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(agent).get("/app/", {"view": "all", "cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 200
    assert len(ids(response)) == 7
    assert "The cursor is not one this API gave out." in response.content.decode()


def test_an_agent_never_sees_another_teams_conversations(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    html = as_user(agent).get("/app/", {"view": "all"}).content.decode()
    assert "Billing&#x27;s own" not in html
    assert "Billing's own" not in html


def test_the_live_refresh_returns_the_list_and_counts_only(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    response = as_user(agent).get("/app/", {"view": "all"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-list"')
    assert 'hx-trigger="every 10s"' in html
    assert '<span class="count" id="count-all" hx-swap-oob="true">7</span>' in html
    assert "<html" not in html
    assert "Waiting on billing" in html


def test_subjects_are_escaped_in_the_list(as_user: SignIn, agent: User, open_conv: Opener) -> None:
    open_conv(subject="<b>bold</b> & <script>x()</script>")
    html = as_user(agent).get("/app/", {"view": "all"}).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;" in html
    assert "<script>x()" not in html


@pytest.mark.parametrize("rows", [5, 50])
def test_the_query_count_does_not_grow_with_the_rows(
    as_user: SignIn,
    agent: User,
    open_conv: Opener,
    support: Team,
    rows: int,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(rows):
        conversation = open_conv(subject=f"Row {n}", team=support, tags=["a", f"t{n}"])
        if n % 2:
            conversation_assign(conversation=conversation, actor=agent, assignee=agent)
    client = as_user(agent)
    with django_assert_max_num_queries(12):
        response = client.get("/app/", {"view": "all"})
    assert len(ids(response)) == rows
    with django_assert_max_num_queries(9):
        client.get("/app/", {"view": "all"}, headers={"HX-Request": "true"})


def test_counts_follow_every_change(
    as_user: SignIn, agent: User, scene: dict[str, Conversation]
) -> None:
    client = as_user(agent)

    def counts() -> dict[str, int]:
        response = client.get("/app/", {"view": "all"})
        return {key: count for key, _label, count in response.context["views"]}

    assert counts()["pending"] == 1
    conversation_set_status(conversation=scene["unassigned"], actor=agent, status="pending")
    after = counts()
    assert (after["pending"], after["unassigned"]) == (2, 4)
    conversation_assign(conversation=scene["unassigned"], actor=agent, assignee=agent)
    assert counts()["unassigned"] == 3
