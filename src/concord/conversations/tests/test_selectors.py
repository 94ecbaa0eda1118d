"""Who may reach which conversation, and the inbox list with its cursor."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from concord.accounts.models import Role, Team, User
from concord.common.errors import NotFound, ValidationFailed
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation, Priority, Status
from concord.conversations.selectors import (
    ConversationFilters,
    conversation_get_for_user,
    conversation_list,
    conversation_recent_for_customer,
    conversation_visible_to,
    encode_cursor,
    event_list,
    message_list,
)
from concord.customers.models import Customer
from concord.customers.services import customer_create, customer_link_user, organization_create

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    ann: Customer  # Acme, which shares conversations
    amy: Customer  # Acme too
    olga: Customer  # Private Ltd, which does not share
    oscar: Customer  # Private Ltd too
    ann_support: Conversation
    amy_billing: Conversation
    olga_unteamed: Conversation
    oscar_billing_assigned: Conversation  # billing's, assigned to the support agent


def login_for(customer: Customer, username: str) -> User:
    user = factories.UserFactory.create(username=username, role=Role.CUSTOMER)
    customer_link_user(customer=customer, user=user)
    return user


@pytest.fixture
def scene(agent: User, support: Team, billing: Team) -> Scene:
    organization_create(name="Acme", domains=["acme.com"], shares_conversations=True)
    organization_create(name="Private Ltd", domains=["private.com"])
    ann = customer_create(name="Ann", identities=[("email", "ann@acme.com")])
    amy = customer_create(name="Amy", identities=[("email", "amy@acme.com")])
    olga = customer_create(name="Olga", identities=[("email", "olga@private.com")])
    oscar = customer_create(name="Oscar", identities=[("email", "oscar@private.com")])
    make = factories.ConversationFactory.create
    return Scene(
        ann=ann,
        amy=amy,
        olga=olga,
        oscar=oscar,
        ann_support=make(customer=ann, team=support),
        amy_billing=make(customer=amy, team=billing),
        olga_unteamed=make(customer=olga),
        oscar_billing_assigned=make(customer=oscar, team=billing, assignee=agent),
    )


def visible(user: User) -> set[int]:
    return set(conversation_visible_to(user=user).values_list("id", flat=True))


def ids(*conversations: Conversation) -> set[int]:
    return {c.pk for c in conversations}


def everything(scene: Scene) -> set[int]:
    return ids(
        scene.ann_support, scene.amy_billing, scene.olga_unteamed, scene.oscar_billing_assigned
    )


# --- conversation_visible_to / conversation_get_for_user -------------------------


@pytest.mark.parametrize("who", ["admin_user", "supervisor"])
def test_admins_and_supervisors_see_everything(
    request: pytest.FixtureRequest, who: str, scene: Scene
) -> None:
    user: User = request.getfixturevalue(who)

    assert visible(user) == everything(scene)


def test_an_agent_sees_their_teams_their_own_and_the_triage_queue(
    agent: User, scene: Scene
) -> None:
    assert visible(agent) == ids(
        scene.ann_support, scene.oscar_billing_assigned, scene.olga_unteamed
    )


def test_an_agent_of_another_team_sees_that_team(other_agent: User, scene: Scene) -> None:
    assert visible(other_agent) == ids(
        scene.amy_billing, scene.oscar_billing_assigned, scene.olga_unteamed
    )


def test_an_agent_in_no_team_sees_the_triage_queue_and_what_is_assigned_to_them(
    scene: Scene,
) -> None:
    loner = factories.UserFactory.create(username="loner", role=Role.AGENT)
    assert visible(loner) == ids(scene.olga_unteamed)

    scene.amy_billing.assignee = loner  # scene-setting
    scene.amy_billing.save(update_fields=["assignee"])
    assert visible(loner) == ids(scene.olga_unteamed, scene.amy_billing)


def test_a_collaborator_sees_nothing_yet(collaborator: User, scene: Scene) -> None:
    assert visible(collaborator) == set()


def test_a_customer_sees_their_own(scene: Scene) -> None:
    olga = login_for(scene.olga, "olga")

    assert visible(olga) == ids(scene.olga_unteamed)


def test_a_customer_of_a_sharing_organization_sees_its_conversations(scene: Scene) -> None:
    ann = login_for(scene.ann, "ann")

    assert visible(ann) == ids(scene.ann_support, scene.amy_billing)


def test_sharing_stops_when_the_organization_stops_sharing(scene: Scene) -> None:
    ann = login_for(scene.ann, "ann")
    assert scene.ann.organization is not None
    scene.ann.organization.shares_conversations = False
    scene.ann.organization.save(update_fields=["shares_conversations"])

    assert visible(ann) == ids(scene.ann_support)


def test_a_customer_without_an_organization_sees_only_their_own(scene: Scene) -> None:
    loner = customer_create(name="Lee", identities=[("email", "lee@nowhere.org")])
    mine = factories.ConversationFactory.create(customer=loner)
    lee = login_for(loner, "lee")

    assert visible(lee) == ids(mine)


def test_a_portal_login_without_a_customer_sees_nothing(scene: Scene) -> None:
    stray = factories.UserFactory.create(username="stray", role=Role.CUSTOMER)

    assert visible(stray) == set()


@pytest.mark.parametrize("who", ["admin_user", "agent", "customer"])
def test_an_inactive_user_sees_nothing(
    request: pytest.FixtureRequest, who: str, scene: Scene
) -> None:
    user = login_for(scene.ann, "ann") if who == "customer" else request.getfixturevalue(who)
    assert visible(user)
    user.is_active = False

    assert visible(user) == set()
    with pytest.raises(NotFound):
        conversation_get_for_user(user=user, conversation_id=scene.ann_support.pk)


def test_conversation_get_for_user_returns_what_is_visible(agent: User, scene: Scene) -> None:
    found = conversation_get_for_user(user=agent, conversation_id=scene.ann_support.pk)

    assert found == scene.ann_support


def test_missing_and_forbidden_look_the_same(other_agent: User, scene: Scene) -> None:
    forbidden_id = scene.ann_support.pk

    with pytest.raises(NotFound) as forbidden:
        conversation_get_for_user(user=other_agent, conversation_id=forbidden_id)
    scene.ann_support.delete()  # now the same id is simply missing
    with pytest.raises(NotFound) as missing:
        conversation_get_for_user(user=other_agent, conversation_id=forbidden_id)

    assert type(forbidden.value) is type(missing.value)
    assert forbidden.value.message == missing.value.message
    assert forbidden.value.field == missing.value.field
    assert str(forbidden.value) == str(missing.value)


def test_conversation_get_for_user_loads_related_rows_in_one_go(
    agent: User, scene: Scene, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(2):  # the row with its relations, then its tags
        found = conversation_get_for_user(user=agent, conversation_id=scene.ann_support.pk)
        assert found.customer.organization is not None
        assert found.team is not None
        assert list(found.tags.all()) == []


# --- messages and events ----------------------------------------------------------


def test_customers_never_see_internal_notes(agent: User, scene: Scene) -> None:
    conv = scene.ann_support
    services.message_receive(conversation=conv, body_text="Question")
    services.conversation_note(conversation=conv, actor=agent, body_text="Internal: refund?")
    services.conversation_reply(conversation=conv, actor=agent, body_text="Answer")
    ann = login_for(scene.ann, "ann")
    amy = login_for(scene.amy, "amy")  # sees it through the shared organization

    staff_view = [m.body_text for m in message_list(user=agent, conversation=conv)]
    assert staff_view == ["Question", "Internal: refund?", "Answer"]
    for customer in (ann, amy):
        view = [m.body_text for m in message_list(user=customer, conversation=conv)]
        assert view == ["Question", "Answer"]
        assert not event_list(user=customer, conversation=conv).exists()
    assert event_list(user=agent, conversation=conv).count() == 5


# --- conversation_list ------------------------------------------------------------


def listed(user: User, **filters: object) -> set[int]:
    page = conversation_list(user=user, filters=ConversationFilters(**filters), limit=100)  # type: ignore[arg-type]
    return {c.pk for c in page.items}


def test_conversation_list_filters(
    admin_user: User, agent: User, support: Team, scene: Scene
) -> None:
    s = scene
    services.conversation_tag(conversation=s.amy_billing, actor=admin_user, tags=["refund"])
    services.conversation_set_status(conversation=s.amy_billing, actor=admin_user, status="pending")
    services.conversation_set_priority(
        conversation=s.olga_unteamed, actor=admin_user, priority="high"
    )
    chat = factories.ConversationFactory.create(customer=s.olga, channel="chat")
    old = factories.ConversationFactory.create(
        customer=s.olga, updated_at=timezone.now() - timedelta(days=30)
    )
    all_ids = everything(s) | ids(chat, old)

    assert listed(admin_user) == all_ids
    assert listed(admin_user, status=["pending"]) == ids(s.amy_billing)
    assert listed(admin_user, status=["new", "pending"]) == all_ids
    assert listed(admin_user, assignee_id=agent.pk) == ids(s.oscar_billing_assigned)
    assert listed(admin_user, unassigned=True) == all_ids - ids(s.oscar_billing_assigned)
    assert listed(admin_user, team_id=support.pk) == ids(s.ann_support)
    assert listed(admin_user, tag=" Refund ") == ids(s.amy_billing)
    assert listed(admin_user, customer_id=s.olga.pk) == ids(s.olga_unteamed, chat, old)
    assert listed(admin_user, channel="chat") == ids(chat)
    assert listed(admin_user, priority=Priority.HIGH) == ids(s.olga_unteamed)
    since = timezone.now() - timedelta(days=1)
    assert listed(admin_user, updated_since=since) == all_ids - ids(old)
    # Filters narrow what the user may see; they never widen it.
    assert listed(agent) == ids(s.ann_support, s.oscar_billing_assigned) | ids(
        s.olga_unteamed, chat, old
    )
    assert listed(agent, team_id=s.amy_billing.team_id) == ids(s.oscar_billing_assigned)


def test_conversation_list_hides_merged_conversations_unless_asked(
    admin_user: User, scene: Scene
) -> None:
    services.conversation_merge(
        source=scene.olga_unteamed, target=scene.ann_support, actor=admin_user
    )

    assert scene.olga_unteamed.pk not in listed(admin_user)
    assert scene.olga_unteamed.pk in listed(admin_user, include_merged=True)


def test_walking_every_page_gives_each_conversation_once(admin_user: User) -> None:
    now = timezone.now().replace(microsecond=0)
    customer = customer_create(name="Pat")
    same = [
        factories.ConversationFactory.create(customer=customer, updated_at=now) for _ in range(7)
    ]
    others = [
        factories.ConversationFactory.create(
            customer=customer, updated_at=now + timedelta(seconds=s)
        )
        for s in (-5, -1, 3, 9)
    ]
    # A microsecond apart from the tied group, on either side.
    near = [
        factories.ConversationFactory.create(
            customer=customer, updated_at=now + timedelta(microseconds=m)
        )
        for m in (-1, 1)
    ]
    expected = [
        c.pk
        for c in sorted([*same, *others, *near], key=lambda c: (c.updated_at, c.pk), reverse=True)
    ]

    for limit in (1, 2, 3, 5, 13, 20):
        seen: list[int] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = conversation_list(
                user=admin_user, filters=ConversationFilters(), cursor=cursor, limit=limit
            )
            seen += [c.pk for c in page.items]
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
            assert len(page.items) == limit
        assert seen == expected, limit
        assert pages == -(-len(expected) // limit)  # no trailing empty page


def test_cursor_pagination_keeps_filters(admin_user: User) -> None:
    now = timezone.now()
    customer = customer_create(name="Pat")
    wanted = [
        factories.ConversationFactory.create(customer=customer, status=Status.OPEN, updated_at=now)
        for _ in range(4)
    ]
    factories.ConversationFactory.create(customer=customer, status=Status.NEW, updated_at=now)

    first = conversation_list(
        user=admin_user, filters=ConversationFilters(status=["open"]), limit=3
    )
    assert first.next_cursor is not None
    second = conversation_list(
        user=admin_user, filters=ConversationFilters(status=["open"]), cursor=first.next_cursor
    )

    assert [c.pk for c in first.items + second.items] == sorted(
        (c.pk for c in wanted), reverse=True
    )
    assert second.next_cursor is None


def test_conversation_list_clamps_the_limit(admin_user: User) -> None:
    factories.ConversationFactory.create_batch(3)

    assert (
        len(conversation_list(user=admin_user, filters=ConversationFilters(), limit=0).items) == 1
    )
    assert (
        len(conversation_list(user=admin_user, filters=ConversationFilters(), limit=-5).items) == 1
    )


def test_conversation_list_makes_a_fixed_number_of_queries(
    admin_user: User, support: Team, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(30):
        conv = factories.ConversationFactory.create(team=support, assignee=admin_user)
        services.conversation_tag(conversation=conv, actor=admin_user, tags=[f"t{n}", "common"])

    with django_assert_max_num_queries(2):
        page = conversation_list(user=admin_user, filters=ConversationFilters(), limit=25)
        for conv in page.items:
            assert conv.customer.name
            assert conv.team is not None
            assert conv.assignee is not None
            assert len(conv.tags.all()) == 2


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "not a cursor",
        "a",
        _b64(b"nonsense"),
        _b64(b"2025-01-01T00:00:00|5"),  # naive
        _b64(b"2025-01-01T00:00:00+00:00|abc"),
        _b64(b"2025-01-01T00:00:00+00:00|"),
        _b64(b"2025-01-01T00:00:00+00:00|0"),
        _b64(b"2025-01-01T00:00:00+00:00|-3"),
        _b64(b"2025-01-01T00:00:00+00:00|" + b"9" * 30),
        _b64(b"2025-13-45T00:00:00+00:00|5"),
        _b64(b"\xff\xfe|5"),
    ],
)
def test_a_bad_cursor_is_refused(admin_user: User, cursor: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        conversation_list(user=admin_user, filters=ConversationFilters(), cursor=cursor)

    assert caught.value.field == "cursor"


def test_a_cursor_given_out_is_accepted(admin_user: User) -> None:
    convs = factories.ConversationFactory.create_batch(2)
    newest = max(convs, key=lambda c: (c.updated_at, c.pk))

    page = conversation_list(
        user=admin_user, filters=ConversationFilters(), cursor=encode_cursor(newest)
    )

    assert [c.pk for c in page.items] == [c.pk for c in convs if c.pk != newest.pk]


def test_recent_for_customer_respects_visibility(
    agent: User, admin_user: User, scene: Scene
) -> None:
    extra = factories.ConversationFactory.create(customer=scene.oscar, team=scene.amy_billing.team)

    assert {
        c.pk for c in conversation_recent_for_customer(user=admin_user, customer=scene.oscar)
    } == ids(scene.oscar_billing_assigned, extra)
    assert [c.pk for c in conversation_recent_for_customer(user=agent, customer=scene.oscar)] == [
        scene.oscar_billing_assigned.pk
    ]
