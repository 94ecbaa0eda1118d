"""The problems API: who reads and changes what (404 not visible, 403 visible but not allowed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from concord.accounts.models import Role, Team, User
from concord.collaboration.services import consult_open
from concord.common.testing import factories
from concord.common.testing.commit import Committing
from concord.conversations.models import Conversation, Status
from concord.conversations.services import conversation_open
from concord.customers.models import Customer
from concord.customers.services import customer_create, customer_set_updates
from concord.portal.services import portal_user_for_customer
from concord.problems.models import (
    Announcement,
    Problem,
    ProblemEvent,
    ProblemKind,
    ProblemLink,
    ProblemStatus,
)
from concord.problems.services import problem_create, problem_vote

pytestmark = pytest.mark.django_db

ApiClient = Callable[[User], Client]


def _json(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    call = getattr(client, method)
    if body is None:
        return call(url)
    return call(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def engineering() -> Team:
    return factories.TeamFactory.create(name="Engineering", slug="engineering", kind="department")


@pytest.fixture
def engineer(engineering: Team) -> User:
    """A collaborator of the owning department."""
    user = factories.UserFactory.create(username="erin", role=Role.COLLABORATOR)
    engineering.members.add(user)
    return user


@pytest.fixture
def ann() -> Customer:
    return customer_create(name="Ann Example", identities=[("email", "ann@example.net")])


@pytest.fixture
def ann_user(ann: Customer) -> User:
    return portal_user_for_customer(customer=ann, email="ann@example.net")


@pytest.fixture
def report(ann: Customer, support: Team) -> Conversation:
    return conversation_open(
        channel="web", customer=ann, subject="Login fails", body_text="It spins.", team=support
    )


@pytest.fixture
def outage(agent: User, engineering: Team, report: Conversation) -> Problem:
    return problem_create(
        actor=agent,
        team=engineering,
        title="Login fails after the update",
        description="Internal: the session cookie lost its domain.",
        public_note="Sign-in fails for some of you; we are on it.",
        conversations=[report],
    )


@pytest.fixture
def wish(agent: User, engineering: Team) -> Problem:
    return problem_create(
        actor=agent,
        team=engineering,
        title="Dark mode",
        kind=ProblemKind.FEATURE,
        portal_visible=True,
    )


def _state(problem: Problem) -> tuple[Any, ...]:
    problem.refresh_from_db()
    return (
        problem.title,
        problem.status,
        problem.public_note,
        problem.team_id,
        ProblemLink.objects.filter(problem=problem).count(),
        ProblemEvent.objects.filter(problem=problem).count(),
        Announcement.objects.filter(problem=problem).count(),
    )


def _calls(problem: Problem, conversation: Conversation) -> list[tuple[str, str, Any]]:
    """Every per-problem operation, with a body that is valid for its kind."""
    final = ProblemStatus.RESOLVED if problem.kind == ProblemKind.PROBLEM else ProblemStatus.PLANNED
    base = f"/api/v1/problems/{problem.pk}"
    return [
        ("get", base, None),
        ("patch", base, {"public_note": "Changed by someone"}),
        ("post", f"{base}/status", {"status": final}),
        ("post", f"{base}/links", {"conversation_ids": [conversation.pk]}),
        ("delete", f"{base}/links/{conversation.pk}", None),
        ("post", f"{base}/preview", {}),
        ("post", f"{base}/announcements", {"body": "Fixed, {{ customer.name }}."}),
        ("get", f"{base}/announcements", None),
    ]


def test_what_no_reader_may_do_is_a_404_and_changes_nothing(
    api_client: ApiClient,
    collaborator: User,
    ann_user: User,
    outage: Problem,
    wish: Problem,
    report: Conversation,
) -> None:
    """A collaborator of another department, and a customer, do not read the problem at all."""
    for user in (collaborator, ann_user):
        client = api_client(user)
        for problem in (outage, wish):
            before = _state(problem)
            for method, url, body in _calls(problem, report):
                response = _json(client, method, url, body)
                assert response.status_code == 404, (user.username, method, url, response.content)
                assert response.json()["error"]["code"] == "not_found"
                assert "Login fails" not in response.content.decode()
            assert _state(problem) == before


def test_an_agent_of_another_team_reads_and_links_but_changes_nothing_else(
    api_client: ApiClient,
    other_agent: User,
    billing: Team,
    ann: Customer,
    outage: Problem,
    wish: Problem,
) -> None:
    # A conversation the agent works (their own team's), to link and unlink.
    own = conversation_open(
        channel="web", customer=ann, subject="Mine", body_text="Hi", team=billing
    )
    client = api_client(other_agent)
    for problem in (outage, wish):
        before = _state(problem)
        base = f"/api/v1/problems/{problem.pk}"
        detail = _json(client, "get", base)
        assert detail.status_code == 200
        assert detail.json()["may_manage"] is False
        # Changing it and telling its customers are the owning department's.
        refused = [
            call
            for call in _calls(problem, own)
            if call[0] != "get" and not call[1].startswith(f"{base}/links")
        ]
        assert len(refused) == 4
        for method, url, body in refused:
            response = _json(client, method, url, body)
            assert response.status_code == 403, (method, url, response.content)
            assert response.json()["error"]["code"] == "forbidden"
        assert _state(problem) == before
        assert _json(client, "get", f"{base}/announcements").status_code == 404  # none yet
        linked = _json(client, "post", f"{base}/links", {"conversation_ids": [own.pk]})
        assert linked.status_code == 200
        assert linked.json()["changed"] == 1
        unlinked = _json(client, "delete", f"{base}/links/{own.pk}")
        assert unlinked.json()["changed"] == 1


def test_an_agent_cannot_link_a_conversation_they_do_not_work(
    api_client: ApiClient, other_agent: User, outage: Problem, report: Conversation
) -> None:
    # The report is Support's: invisible to a Billing agent, so a 404 naming the field.
    response = _json(
        api_client(other_agent),
        "post",
        f"/api/v1/problems/{outage.pk}/links",
        {"conversation_ids": [report.pk]},
    )
    assert response.status_code == 404
    assert response.json()["error"]["fields"] == [
        {"field": "conversation_ids.0", "message": f"Conversation {report.pk} not found."}
    ]


def test_the_owning_department_manages_its_problem(
    api_client: ApiClient, engineer: User, engineering: Team, outage: Problem, committed: Committing
) -> None:
    client = api_client(engineer)
    base = f"/api/v1/problems/{outage.pk}"
    detail = _json(client, "get", base).json()
    assert detail["may_manage"] is True
    assert detail["description"] == "Internal: the session cookie lost its domain."
    assert detail["impact"]["conversations"] == 1
    assert detail["impact"]["customers"] == 1
    # Counts cover every linked conversation; the list names only those the caller opens.
    assert detail["conversations"] == []

    patched = _json(
        client, "patch", base, {"public_note": "A fix is on its way.", "eta": "2027-01-05"}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["public_note"] == "A fix is on its way."
    assert patched.json()["eta"] == "2027-01-05"
    moved = _json(client, "post", f"{base}/status", {"status": "fixing"})
    assert moved.json()["status"] == "fixing"
    preview = _json(client, "post", f"{base}/preview", {})
    assert preview.status_code == 200
    assert preview.json()["customers"] == 1
    assert "Ann" in preview.json()["sample"]
    with committed():
        started = _json(
            client, "post", f"{base}/announcements", {"body": "Hi {{ customer.name }}."}
        )
    assert started.status_code == 201, started.content
    latest = _json(client, "get", f"{base}/announcements").json()
    assert latest["id"] == started.json()["id"]
    assert latest["status"] == "done"
    assert latest["progress"] == {
        "total": 1,
        "sent": 1,
        "opted_out": 0,
        "skipped": 0,
        "pending": 0,
        "done": 1,
    }
    cleared = _json(client, "patch", base, {"eta": None})
    assert cleared.json()["eta"] is None


def test_a_collaborator_reads_consulted_conversations_but_links_none(
    api_client: ApiClient,
    engineer: User,
    agent: User,
    ann: Customer,
    engineering: Team,
    support: Team,
    outage: Problem,
    report: Conversation,
) -> None:
    asked = conversation_open(
        channel="web", customer=ann, subject="Cookie", body_text="Hi", team=support
    )
    unasked = conversation_open(
        channel="web", customer=ann, subject="Other", body_text="Hi", team=support
    )
    for conversation in (asked, report):
        consult_open(conversation=conversation, actor=agent, team=engineering, question="Yours?")
    client = api_client(engineer)
    base = f"/api/v1/problems/{outage.pk}"
    # Consulted: they read it, but answer in the consult; linking is the owner's work.
    response = _json(client, "post", f"{base}/links", {"conversation_ids": [asked.pk]})
    assert response.status_code == 403, response.content
    response = _json(client, "post", f"{base}/links", {"conversation_ids": [unasked.pk]})
    assert response.status_code == 404
    assert ProblemLink.objects.filter(problem=outage).count() == 1
    detail = _json(client, "get", base).json()
    assert [c["id"] for c in detail["conversations"]] == [report.pk]
    # As the owning department they may take a wrong link off their problem.
    response = _json(client, "delete", f"{base}/links/{report.pk}")
    assert response.status_code == 200
    assert response.json()["changed"] == 1


def test_a_customer_may_neither_list_nor_file_problems(
    api_client: ApiClient, ann_user: User, engineering: Team, outage: Problem
) -> None:
    client = api_client(ann_user)
    assert _json(client, "get", "/api/v1/problems").status_code == 403
    response = _json(
        client, "post", "/api/v1/problems", {"title": "Mine", "team_id": engineering.pk}
    )
    assert response.status_code == 403
    assert Problem.objects.count() == 1


def test_the_list_filters_and_shows_only_what_the_caller_reads(
    api_client: ApiClient,
    admin_user: User,
    supervisor: User,
    collaborator: User,
    billing: Team,
    outage: Problem,
    wish: Problem,
    ann: Customer,
    django_assert_max_num_queries: Any,
) -> None:
    billing_one = problem_create(actor=supervisor, team=billing, title="Invoices double")
    problem_vote(problem=wish, customer=ann)
    client = api_client(admin_user)
    with django_assert_max_num_queries(6):
        rows = _json(client, "get", "/api/v1/problems").json()
    assert [r["id"] for r in rows] == [billing_one.pk, wish.pk, outage.pk]
    by_id = {r["id"]: r for r in rows}
    assert (by_id[outage.pk]["conversation_count"], by_id[outage.pk]["customer_count"]) == (1, 1)
    assert by_id[wish.pk]["vote_count"] == 1
    assert "description" not in by_id[outage.pk]

    features = _json(client, "get", "/api/v1/problems?kind=feature").json()
    assert [r["id"] for r in features] == [wish.pk]
    resolved = _json(client, "post", f"/api/v1/problems/{outage.pk}/status", {"status": "resolved"})
    assert resolved.status_code == 200
    open_ones = _json(client, "get", "/api/v1/problems?open=true").json()
    assert outage.pk not in [r["id"] for r in open_ones]
    assert [r["id"] for r in _json(client, "get", "/api/v1/problems?status=resolved").json()] == [
        outage.pk
    ]
    assert [r["id"] for r in _json(client, "get", "/api/v1/problems?q=INVOICE").json()] == [
        billing_one.pk
    ]
    # A collaborator lists their own department's only.
    theirs = _json(api_client(collaborator), "get", "/api/v1/problems").json()
    assert [r["id"] for r in theirs] == [billing_one.pk]


def test_create_links_at_once_and_names_what_it_cannot_find(
    api_client: ApiClient, agent: User, engineering: Team, report: Conversation
) -> None:
    client = api_client(agent)
    missing = _json(
        client,
        "post",
        "/api/v1/problems",
        {"title": "X", "team_id": engineering.pk, "conversation_ids": [report.pk, 999_999]},
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["fields"][0]["field"] == "conversation_ids.1"
    no_team = _json(client, "post", "/api/v1/problems", {"title": "X", "team_id": 999_999})
    assert no_team.json()["error"]["fields"][0]["field"] == "team_id"
    assert not Problem.objects.exists()

    created = _json(
        client,
        "post",
        "/api/v1/problems",
        {
            "title": "  Exports time out ",
            "team_id": engineering.pk,
            "kind": "feature",
            "portal_visible": True,
            "conversation_ids": [report.pk],
        },
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["title"], data["status"], data["portal_visible"]) == (
        "Exports time out",
        "review",
        True,
    )
    assert data["impact"]["conversations"] == 1
    assert [c["id"] for c in data["conversations"]] == [report.pk]


def test_a_status_of_the_other_kind_is_a_conflict(
    api_client: ApiClient, admin_user: User, outage: Problem, wish: Problem
) -> None:
    client = api_client(admin_user)
    for problem, status in ((outage, "shipped"), (wish, "resolved")):
        response = _json(
            client, "post", f"/api/v1/problems/{problem.pk}/status", {"status": status}
        )
        assert response.status_code == 409, response.content
        assert response.json()["error"]["fields"][0]["field"] == "status"
    bad = _json(client, "post", f"/api/v1/problems/{outage.pk}/status", {"status": "done"})
    assert bad.status_code == 422


def test_announcing_needs_someone_to_tell_and_one_at_a_time(
    api_client: ApiClient,
    admin_user: User,
    agent: User,
    engineering: Team,
    ann: Customer,
    outage: Problem,
) -> None:
    client = api_client(admin_user)
    empty = problem_create(actor=agent, team=engineering, title="Nobody has it")
    response = _json(client, "post", f"/api/v1/problems/{empty.pk}/announcements", {})
    assert response.status_code == 409
    assert not Announcement.objects.exists()

    bad = _json(
        client, "post", f"/api/v1/problems/{outage.pk}/announcements", {"body": "{% nope %}"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "body"

    # Not run (no commit in this test): the first is still sending when the second comes.
    first = _json(client, "post", f"/api/v1/problems/{outage.pk}/announcements", {})
    assert first.status_code == 201
    assert first.json()["progress"]["pending"] == 1
    second = _json(client, "post", f"/api/v1/problems/{outage.pk}/announcements", {})
    assert second.status_code == 409
    assert Announcement.objects.count() == 1


def test_the_preview_counts_those_who_opted_out(
    api_client: ApiClient, admin_user: User, ann: Customer, outage: Problem
) -> None:
    customer_set_updates(customer=ann, receive=False)
    data = _json(
        api_client(admin_user), "post", f"/api/v1/problems/{outage.pk}/preview", {"body": "Hi"}
    ).json()
    assert (data["customers"], data["opted_out"], data["to_tell"]) == (1, 1, 0)
    assert data["sample"] == "Hi"


def test_unlinking_a_conversation_that_was_not_linked_changes_nothing(
    api_client: ApiClient, admin_user: User, outage: Problem, report: Conversation, ann: Customer
) -> None:
    other = conversation_open(channel="web", customer=ann, subject="Other", body_text="Hi")
    client = api_client(admin_user)
    response = _json(client, "delete", f"/api/v1/problems/{outage.pk}/links/{other.pk}")
    assert response.json()["changed"] == 0
    response = _json(client, "delete", f"/api/v1/problems/{outage.pk}/links/{report.pk}")
    assert response.json()["changed"] == 1
    assert response.json()["problem"]["impact"]["conversations"] == 0
    assert report.status != Status.SOLVED
