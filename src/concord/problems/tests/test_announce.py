"""Telling every linked customer once: on their own conversation, by email, resumable."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.channels.email.models import Mailbox, OutboundEmail, OutboundStatus
from concord.channels.email.services.outbound import outbound_send_many
from concord.common.errors import Conflict, NotAllowed
from concord.common.testing.mail import Sink
from concord.conversations.models import Conversation, Status
from concord.conversations.services import conversation_open, conversation_set_status
from concord.customers.models import Customer
from concord.customers.services import customer_create, customer_set_updates
from concord.problems.announce import (
    announcement_preview,
    announcement_run,
    announcement_start,
    announcements_resume,
    default_body,
)
from concord.problems.models import (
    Announcement,
    AnnouncementRecipient,
    AnnouncementStatus,
    Problem,
    ProblemKind,
    ProblemStatus,
    RecipientState,
)
from concord.problems.selectors import announcement_progress
from concord.problems.services import problem_create, problem_set_status, problem_vote

pytestmark = pytest.mark.django_db

BODY = "Hello {{ customer.name }}, {{ problem.title }} is {{ problem.status|lower }}."


def _customer(name: str, *, email: bool = True) -> Customer:
    identities = [("email", f"{name.lower()}@example.com")] if email else [("phone", "+15550100")]
    return customer_create(name=f"{name} Doe", identities=identities)


def _open(customer: Customer, channel: str, team: Team) -> Conversation:
    return conversation_open(
        channel=channel, customer=customer, subject="Cannot sign in", body_text="Help", team=team
    )


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def _send_queued() -> None:
    queued = OutboundEmail.objects.filter(status=OutboundStatus.QUEUED).order_by("id")
    outbound_send_many(outbound_ids=list(queued.values_list("pk", flat=True)))


@pytest.fixture
def problem(agent: User, support: Team, mailbox: Mailbox) -> Problem:
    return problem_create(actor=agent, title="Sign-in outage", team=support)


def test_every_linked_customer_is_told_once_on_their_own_channel(
    problem: Problem, agent: User, support: Team, sink: Sink
) -> None:
    nora, omar, pia = _customer("Nora"), _customer("Omar"), _customer("Pia")
    quiet, gone = _customer("Quinn"), _customer("Rae")
    by_email = _open(nora, "email", support)
    also_nora = _open(nora, "email", support)  # a second report: one message, both solved
    by_portal = _open(omar, "web", support)
    by_phone = _open(pia, "phone", support)  # a call cannot be answered later: email instead
    opted_out = _open(quiet, "email", support)
    closed = _open(gone, "email", support)
    customer_set_updates(customer=quiet, receive=False)
    conversation_set_status(conversation=closed, actor=agent, status=Status.SOLVED)
    conversation_set_status(conversation=closed, actor=agent, status=Status.CLOSED)
    from concord.problems.services import problem_link

    problem_link(
        problem=problem,
        actor=agent,
        conversations=[by_email, also_nora, by_portal, by_phone, opted_out, closed],
    )
    problem_set_status(problem=problem, actor=agent, status=ProblemStatus.RESOLVED)

    preview = announcement_preview(problem=problem, actor=agent, body=BODY)
    assert (preview.customers, preview.opted_out, preview.to_tell) == (5, 1, 4)
    assert preview.sample == "Hello Nora, Sign-in outage is resolved."

    announcement = announcement_start(problem=problem, actor=agent, body=BODY, solve_linked=True)
    assert announcement_run(announcement_id=announcement.pk) == 5
    _send_queued()

    announcement.refresh_from_db()
    assert announcement.status == AnnouncementStatus.DONE
    progress = announcement_progress(announcement=announcement)
    assert (progress.sent, progress.opted_out, progress.pending) == (4, 1, 0)
    recipients = sorted(msg.rcpt_tos[0] for msg in sink.handler.received)
    assert recipients == [
        "nora@example.com",
        "omar@example.com",
        "pia@example.com",
        "rae@example.com",
    ]
    portal_mail = next(m for m in sink.handler.received if m.rcpt_tos == ["omar@example.com"])
    assert f"/help/requests/{by_portal.pk}/" in _text(portal_mail.message)
    # Both of Nora's conversations are solved; the phone call's customer got a new
    # conversation by email (in her history), and so did Rae, whose request was closed.
    for conversation in (by_email, also_nora, by_portal, by_phone):
        conversation.refresh_from_db()
        assert conversation.status == Status.SOLVED
    assert Conversation.objects.filter(customer=pia, channel="email").count() == 1
    assert Conversation.objects.filter(customer=gone).count() == 2
    opted_out.refresh_from_db()
    assert opted_out.status != Status.SOLVED


def test_a_run_killed_halfway_resumes_without_telling_anyone_twice(
    problem: Problem, agent: User, support: Team, sink: Sink, settings: object
) -> None:
    from concord.problems.services import problem_link

    customers = [_customer(f"C{i:02d}") for i in range(12)]
    problem_link(
        problem=problem, actor=agent, conversations=[_open(c, "email", support) for c in customers]
    )
    announcement = announcement_start(problem=problem, actor=agent, body=BODY)
    # The first run stops after 5 (as a killed worker would, between two chunks);
    # its hold on the announcement lapses, and the resume job finishes it.
    assert announcement_run(announcement_id=announcement.pk, limit=5) == 5
    Announcement.objects.filter(pk=announcement.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert announcements_resume() == 7
    assert announcements_resume() == 0
    _send_queued()
    _send_queued()
    assert len(sink.handler.received) == 12
    assert len({m.rcpt_tos[0] for m in sink.handler.received}) == 12
    assert AnnouncementRecipient.objects.filter(state=RecipientState.SENT).count() == 12


def test_a_second_runner_backs_off_while_the_first_holds_it(
    problem: Problem, agent: User, support: Team
) -> None:
    from concord.problems.services import problem_link

    problem_link(
        problem=problem, actor=agent, conversations=[_open(_customer("Nora"), "email", support)]
    )
    announcement = announcement_start(problem=problem, actor=agent, body=BODY)
    Announcement.objects.filter(pk=announcement.pk).update(
        lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert announcement_run(announcement_id=announcement.pk) == 0
    assert announcements_resume() == 0
    with pytest.raises(Conflict, match="still being sent"):
        announcement_start(problem=problem, actor=agent, body=BODY)
    # Never taken yet (its task is queued): the resume job leaves it to the task…
    Announcement.objects.filter(pk=announcement.pk).update(lease_until=None)
    assert announcements_resume() == 0
    # …until a lease's time has passed since it started.
    assert announcements_resume(now=timezone.now() + timedelta(minutes=2)) == 1


def test_voters_without_a_conversation_get_one_and_only_owners_announce(
    agent: User, other_agent: User, support: Team, mailbox: Mailbox, sink: Sink
) -> None:
    feature = problem_create(
        actor=agent, title="Dark mode", team=support, kind=ProblemKind.FEATURE, portal_visible=True
    )
    voter = _customer("Vi")
    problem_vote(problem=feature, customer=voter)
    with pytest.raises(NotAllowed):
        announcement_start(problem=feature, actor=other_agent, body=BODY)
    problem_set_status(problem=feature, actor=agent, status=ProblemStatus.SHIPPED)
    body = default_body(problem=feature)
    announcement = announcement_start(problem=feature, actor=agent, body=body)
    announcement_run(announcement_id=announcement.pk)
    _send_queued()
    [mail] = sink.handler.received
    assert mail.rcpt_tos == ["vi@example.com"]
    assert "Good news about the problem you reported: shipped." in _text(mail.message)
    started = Conversation.objects.get(customer=voter)
    # The title is internal: the new conversation does not carry it as its subject.
    assert (started.subject, started.status) == (
        "An update on the problem you reported",
        Status.SOLVED,
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{% include "base.html" %}', "cannot use {% include %}"),
        ("{% lorem 100000000 w %}", "cannot use {% lorem %}"),
        # Fine for a customer with a conversation, an error for one without (a voter):
        ("{% if conversation.id|divisibleby:2 %}even{% endif %}", "cannot be rendered"),
    ],
)
def test_a_message_that_could_fail_or_harm_mid_run_is_refused_up_front(
    problem: Problem, agent: User, support: Team, body: str, reason: str
) -> None:
    from concord.common.errors import ValidationFailed
    from concord.problems.services import problem_link

    problem_link(
        problem=problem, actor=agent, conversations=[_open(_customer("Nora"), "email", support)]
    )
    with pytest.raises(ValidationFailed, match=reason):
        announcement_preview(problem=problem, actor=agent, body=body)
    with pytest.raises(ValidationFailed, match=reason):
        announcement_start(problem=problem, actor=agent, body=body)


def test_voting_closes_when_a_request_ships(agent: User, support: Team) -> None:
    feature = problem_create(
        actor=agent, title="Dark mode", team=support, kind=ProblemKind.FEATURE, portal_visible=True
    )
    problem_set_status(problem=feature, actor=agent, status=ProblemStatus.SHIPPED)
    with pytest.raises(Conflict, match="closed"):
        problem_vote(problem=feature, customer=_customer("Vi"))
