"""The access matrix: nobody reaches another party's conversation through the API.

For each actor and each conversation they may not see, every operation
answers 404 with the same body as for a conversation that does not exist, and
nothing changes. Where an actor may see a conversation but not work it (a
customer's own), staff operations answer 403 and change nothing either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Team, User
from concord.api.tests.helpers import assert_error, not_found_body, portal_customer, send, snapshot
from concord.common.testing import factories
from concord.conversations import services
from concord.conversations.models import Conversation


@dataclass
class Scene:
    users: dict[str, User]
    conversations: dict[str, Conversation]


@pytest.fixture
def scene(
    admin_user: User,
    supervisor: User,
    agent: User,
    other_agent: User,
    collaborator: User,
    support: Team,
    billing: Team,
) -> Scene:
    shared = factories.OrganizationFactory.create(name="Shared Co", shares_conversations=True)
    private = factories.OrganizationFactory.create(name="Private Co")
    users = {
        "admin": admin_user,
        "supervisor": supervisor,
        "agent": agent,
        "other_agent": other_agent,
        "collaborator": collaborator,
    }
    customers = {}
    for name, org in [
        ("ann", None),
        ("bob", None),
        ("sara", shared),
        ("sid", shared),
        ("pia", private),
        ("pete", private),
    ]:
        customers[name], users[name] = portal_customer(name, organization=org)

    def open_(customer: str, team: Team | None) -> Conversation:
        return services.conversation_open(
            channel="email",
            customer=customers[customer],
            subject=f"{customer}'s request",
            body_text="Hello",
            team=team,
            tags=["start"],
        )

    conversations = {
        "ann_support": open_("ann", support),
        "bob_billing": open_("bob", billing),
        "ann_unteamed": open_("ann", None),
        "sara": open_("sara", support),
        "sid": open_("sid", support),
        "pia": open_("pia", support),
        "pete": open_("pete", support),
    }
    return Scene(users=users, conversations=conversations)


# (actor, a conversation they must not reach, one they can see or None)
HIDDEN = [
    ("agent", "bob_billing", "ann_support"),
    ("other_agent", "ann_support", "bob_billing"),
    ("other_agent", "sara", "bob_billing"),
    ("collaborator", "bob_billing", None),
    ("collaborator", "ann_support", None),
    ("ann", "bob_billing", "ann_support"),
    ("bob", "ann_support", "bob_billing"),
    ("sara", "pia", "sara"),
    ("sara", "ann_support", "sid"),
    ("pia", "pete", "pia"),
    ("pete", "pia", "pete"),
]

# (name, method, path after /conversations/{id}, body)
OPERATIONS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("read", "get", "", None),
    ("reply", "post", "/reply", {"body": "x"}),
    ("note", "post", "/notes", {"body": "x"}),
    ("customer message", "post", "/messages", {"body": "x"}),
    ("assign", "post", "/assign", {"assignee_id": None, "team_id": None}),
    ("status", "post", "/status", {"status": "solved"}),
    ("priority", "post", "/priority", {"priority": "urgent"}),
    ("tag", "post", "/tags", {"tags": ["new-tag"]}),
    ("untag", "delete", "/tags", {"tags": ["start"]}),
    ("untag by post", "post", "/tags/remove", {"tags": ["start"]}),
]


def _client(api_client: Callable[[User], Client], user: User) -> Client:
    return api_client(user)


@pytest.mark.parametrize(("actor", "hidden", "own"), HIDDEN)
@pytest.mark.parametrize(
    ("op", "method", "path", "body"), OPERATIONS, ids=[o[0] for o in OPERATIONS]
)
def test_another_partys_conversation_is_not_found_and_unchanged(
    scene: Scene,
    api_client: Callable[[User], Client],
    actor: str,
    hidden: str,
    own: str | None,
    op: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    client = _client(api_client, scene.users[actor])
    target = scene.conversations[hidden]
    before = snapshot()
    response = send(client, method, f"/api/v1/conversations/{target.pk}{path}", body)
    assert response.status_code == 404, (op, response.content)
    assert response.json() == not_found_body(target.pk)
    assert snapshot() == before


@pytest.mark.parametrize(("actor", "hidden", "own"), HIDDEN)
def test_merging_to_or_from_a_hidden_conversation_is_not_found(
    scene: Scene, api_client: Callable[[User], Client], actor: str, hidden: str, own: str | None
) -> None:
    client = _client(api_client, scene.users[actor])
    target = scene.conversations[hidden]
    before = snapshot()
    visible = scene.conversations[own] if own else scene.conversations["pia"]
    response = send(
        client, "post", f"/api/v1/conversations/{target.pk}/merge", {"target_id": visible.pk}
    )
    assert response.status_code == 404
    assert response.json() == not_found_body(target.pk)
    if own is not None:
        response = send(
            client, "post", f"/api/v1/conversations/{visible.pk}/merge", {"target_id": target.pk}
        )
        assert response.status_code == 404
        assert response.json() == not_found_body(target.pk, field="target_id")
    assert snapshot() == before


@pytest.mark.parametrize("actor", ["admin", "agent", "ann"])
def test_a_conversation_that_does_not_exist_looks_the_same(
    scene: Scene, api_client: Callable[[User], Client], actor: str
) -> None:
    client = _client(api_client, scene.users[actor])
    missing = max(c.pk for c in scene.conversations.values()) + 100
    for op, method, path, body in OPERATIONS:
        response = send(client, method, f"/api/v1/conversations/{missing}{path}", body)
        assert response.status_code == 404, op
        assert response.json() == not_found_body(missing)


@pytest.mark.parametrize("actor", ["admin", "supervisor"])
def test_admins_and_supervisors_reach_every_conversation(
    scene: Scene, api_client: Callable[[User], Client], actor: str
) -> None:
    client = _client(api_client, scene.users[actor])
    for conversation in scene.conversations.values():
        assert client.get(f"/api/v1/conversations/{conversation.pk}").status_code == 200
    listed = client.get("/api/v1/conversations").json()["items"]
    assert {row["id"] for row in listed} == {c.pk for c in scene.conversations.values()}


STAFF_ONLY = [o for o in OPERATIONS if o[0] not in ("read", "customer message")]


@pytest.mark.parametrize(
    ("op", "method", "path", "body"), STAFF_ONLY, ids=[o[0] for o in STAFF_ONLY]
)
@pytest.mark.parametrize(("actor", "conversation"), [("ann", "ann_support"), ("sid", "sara")])
def test_a_customer_may_read_but_not_work_a_conversation_they_see(
    scene: Scene,
    api_client: Callable[[User], Client],
    actor: str,
    conversation: str,
    op: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    client = _client(api_client, scene.users[actor])
    target = scene.conversations[conversation]
    assert client.get(f"/api/v1/conversations/{target.pk}").status_code == 200
    before = snapshot()
    response = send(client, method, f"/api/v1/conversations/{target.pk}{path}", body)
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


def test_a_customer_cannot_merge_even_their_own(
    scene: Scene, api_client: Callable[[User], Client]
) -> None:
    client = _client(api_client, scene.users["ann"])
    own, other_own = scene.conversations["ann_support"], scene.conversations["ann_unteamed"]
    before = snapshot()
    response = send(
        client, "post", f"/api/v1/conversations/{own.pk}/merge", {"target_id": other_own.pk}
    )
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


def test_a_shared_org_colleague_may_not_write_as_the_customer(
    scene: Scene, api_client: Callable[[User], Client]
) -> None:
    client = _client(api_client, scene.users["sid"])
    before = snapshot()
    sara = scene.conversations["sara"]
    response = send(client, "post", f"/api/v1/conversations/{sara.pk}/messages", {"body": "x"})
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


def test_staff_may_not_write_as_the_customer(
    scene: Scene, api_client: Callable[[User], Client]
) -> None:
    client = _client(api_client, scene.users["admin"])
    before = snapshot()
    conversation = scene.conversations["ann_support"]
    response = send(
        client, "post", f"/api/v1/conversations/{conversation.pk}/messages", {"body": "x"}
    )
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        ("ann", {"ann_support", "ann_unteamed"}),
        ("sara", {"sara", "sid"}),
        ("sid", {"sara", "sid"}),
        ("pia", {"pia"}),
        # Conversations with no team yet are every agent's triage queue.
        ("agent", {"ann_support", "ann_unteamed", "sara", "sid", "pia", "pete"}),
        ("other_agent", {"bob_billing", "ann_unteamed"}),
        ("collaborator", set()),
    ],
)
def test_each_party_lists_exactly_what_they_may_see(
    scene: Scene, api_client: Callable[[User], Client], actor: str, visible: set[str]
) -> None:
    client = _client(api_client, scene.users[actor])
    listed = {row["id"] for row in client.get("/api/v1/conversations").json()["items"]}
    assert listed == {scene.conversations[name].pk for name in visible}
