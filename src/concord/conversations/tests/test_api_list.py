"""GET /api/v1/conversations: the shape, every filter, paging, and a fixed query count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, portal_customer
from concord.common.testing import factories
from concord.conversations.models import Conversation, Tag
from concord.conversations.services import conversation_merge

URL = "/api/v1/conversations"
T0 = timezone.now().replace(microsecond=0) - timedelta(days=10)


def make(minutes: int, **kwargs: Any) -> Conversation:
    at = T0 + timedelta(minutes=minutes)
    return factories.ConversationFactory.create(created_at=at, updated_at=at, **kwargs)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


@pytest.fixture
def admin(admin_user: User, api_client: Callable[[User], Client]) -> Client:
    return api_client(admin_user)


def test_a_row_has_exactly_the_list_fields(admin: Client, agent: User, support: Team) -> None:
    customer = factories.CustomerFactory.create(name="Ann Lee")
    conversation = make(
        1, subject="Refund", customer=customer, team=support, assignee=agent, priority="high"
    )
    conversation.tags.add(Tag.objects.create(name="vip"), Tag.objects.create(name="billing"))
    response = admin.get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": conversation.pk,
                "subject": "Refund",
                "status": "new",
                "priority": "high",
                "channel": "email",
                "customer": {"id": customer.pk, "name": "Ann Lee"},
                "team": {"id": support.pk, "name": "Support"},
                "assignee": {"id": agent.pk, "username": "alex"},
                "tags": ["billing", "vip"],
                "created_at": conversation.created_at.isoformat().replace("+00:00", "Z"),
                "updated_at": conversation.updated_at.isoformat().replace("+00:00", "Z"),
                "message_count": 0,
            }
        ],
        "next_cursor": None,
    }


def test_it_lists_newest_update_first_and_leaves_out_merged(
    admin: Client, admin_user: User
) -> None:
    old, middle, new = make(1), make(2), make(3)
    assert ids(admin.get(URL)) == [new.pk, middle.pk, old.pk]
    conversation_merge(source=old, target=middle, actor=admin_user)
    assert ids(admin.get(URL)) == [middle.pk, new.pk]


def test_it_filters_by_status_repeated_or_comma_separated(admin: Client) -> None:
    new, open_, pending = make(1), make(2, status="open"), make(3, status="pending")
    make(4, status="solved")
    assert ids(admin.get(URL, {"status": "open"})) == [open_.pk]
    assert ids(admin.get(URL, {"status": ["open", "new"]})) == [open_.pk, new.pk]
    assert ids(admin.get(URL + "?status=pending,new")) == [pending.pk, new.pk]


def test_it_filters_by_assignee_id_or_none(admin: Client, agent: User, other_agent: User) -> None:
    mine = make(1, assignee=agent)
    make(2, assignee=other_agent)
    nobody = make(3)
    assert ids(admin.get(URL, {"assignee": agent.pk})) == [mine.pk]
    assert ids(admin.get(URL, {"assignee": "none"})) == [nobody.pk]


def test_it_filters_by_team_tag_customer_channel_priority(
    admin: Client, support: Team, billing: Team
) -> None:
    customer = factories.CustomerFactory.create()
    in_support = make(1, team=support, channel="chat", priority="urgent")
    in_billing = make(2, team=billing, customer=customer)
    in_billing.tags.add(Tag.objects.create(name="refund"))
    assert ids(admin.get(URL, {"team": support.pk})) == [in_support.pk]
    assert ids(admin.get(URL, {"tag": "Refund"})) == [in_billing.pk]
    assert ids(admin.get(URL, {"customer": customer.pk})) == [in_billing.pk]
    assert ids(admin.get(URL, {"channel": "chat"})) == [in_support.pk]
    assert ids(admin.get(URL, {"priority": "urgent"})) == [in_support.pk]
    assert ids(admin.get(URL, {"team": str(support.pk), "priority": "low"})) == []


def test_it_filters_by_updated_since(admin: Client) -> None:
    make(1)
    later = make(60)
    since = (T0 + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    assert ids(admin.get(URL, {"updated_since": since})) == [later.pk]


def test_it_pages_with_a_cursor_without_gaps_or_repeats(admin: Client) -> None:
    created = [make(i) for i in range(7)]
    # Two rows share a timestamp: the id breaks the tie, so none is lost at a page edge.
    same = make(3)
    expected = sorted([*created, same], key=lambda c: (c.updated_at, c.pk), reverse=True)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = admin.get(URL, params).json()
        seen += [row["id"] for row in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert seen == [c.pk for c in expected]
    assert pages == 3


def test_limit_defaults_to_25_and_stops_at_100(admin: Client) -> None:
    for i in range(30):
        make(i)
    assert len(ids(admin.get(URL))) == 25
    assert_error(admin.get(URL, {"limit": 101}), 422, "validation_error", "limit")
    assert_error(admin.get(URL, {"limit": 0}), 422, "validation_error", "limit")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "shipped"}, "status.0"),
        ({"status": "open,nope"}, "status.0"),
        ({"channel": "fax"}, "channel"),
        ({"priority": "critical"}, "priority"),
        ({"assignee": "bob"}, "assignee"),
        ({"team": "support"}, "team"),
        ({"team": str(2**64)}, "team"),  # would overflow the database driver
        ({"assignee": str(2**64)}, "assignee"),
        ({"customer": "0"}, "customer"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2025-01-01T00:00:00"}, "updated_since"),  # no time zone
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "MjAyNXxhYmM"}, "cursor"),  # base64 of "2025|abc"
    ],
)
def test_bad_filters_are_422_naming_the_filter(
    admin: Client, params: dict[str, str], field: str
) -> None:
    make(1)
    assert_error(admin.get(URL, params), 422, "validation_error", field)


def test_an_agent_lists_their_teams_and_their_own(
    agent: User, support: Team, billing: Team, api_client: Callable[[User], Client]
) -> None:
    team_one = make(1, team=support)
    mine_elsewhere = make(2, team=billing, assignee=agent)
    make(3, team=billing)
    untriaged = make(4)  # no team yet: every agent's triage queue
    assert ids(api_client(agent).get(URL)) == [untriaged.pk, mine_elsewhere.pk, team_one.pk]


def test_a_collaborator_lists_nothing(
    collaborator: User, billing: Team, api_client: Callable[[User], Client]
) -> None:
    make(1, team=billing)
    assert ids(api_client(collaborator).get(URL)) == []


def test_a_customer_lists_their_own_without_tags(
    api_client: Callable[[User], Client], support: Team
) -> None:
    ann, ann_user = portal_customer("ann")
    own = make(1, customer=ann, team=support)
    own.tags.add(Tag.objects.create(name="angry"))
    make(2)
    body = api_client(ann_user).get(URL).json()
    assert [row["id"] for row in body["items"]] == [own.pk]
    assert body["items"][0]["tags"] == []


def _fill(count: int, support: Team, agent: User) -> None:
    tags = [Tag.objects.create(name=f"t{i}") for i in range(3)]
    customers = [factories.CustomerFactory.create() for _ in range(5)]
    for i in range(count):
        conversation = make(i, team=support, assignee=agent, customer=customers[i % 5])
        conversation.tags.add(*tags[: i % 4])


@pytest.mark.parametrize("role_fixture", ["admin_user", "agent"])
def test_the_query_count_does_not_grow_with_the_page(
    request: pytest.FixtureRequest,
    role_fixture: str,
    support: Team,
    agent: User,
    api_client: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    _fill(105, support, agent)
    client = api_client(request.getfixturevalue(role_fixture))
    for limit in (5, 100):
        with django_assert_max_num_queries(6):
            assert len(ids(client.get(URL, {"limit": limit}))) == limit
    with django_assert_max_num_queries(6):
        assert len(ids(client.get(URL, {"limit": "100", "tag": "t1", "status": "new,open"}))) == 52


def test_a_customers_list_query_count_is_bounded_too(
    api_client: Callable[[User], Client],
    support: Team,
    django_assert_max_num_queries: Any,
) -> None:
    org = factories.OrganizationFactory.create(shares_conversations=True)
    ann, ann_user = portal_customer("ann", organization=org)
    bob, _ = portal_customer("bob", organization=org)
    for i in range(110):
        make(i, customer=ann if i % 2 else bob, team=support)
    client = api_client(ann_user)
    for limit in (5, 100):
        with django_assert_max_num_queries(6):
            assert len(ids(client.get(URL, {"limit": limit}))) == limit
