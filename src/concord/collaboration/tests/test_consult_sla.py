"""The consult SLA: first answer due in the consulted team's business hours, warned and
breached exactly once, stopped by the first answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from concord.accounts.models import Role, Team, User
from concord.calendars.services import calendar_add_closed_date, calendar_create
from concord.collaboration.models import Consult, ConsultStatus
from concord.collaboration.services import consult_close, consult_open, consult_reply
from concord.collaboration.sla import consult_sla_sweep, consult_target_set
from concord.common.errors import ValidationFailed
from concord.common.testing import factories
from concord.conversations.models import Conversation
from concord.conversations.services import conversation_assign, conversation_open
from concord.customers.services import customer_create
from concord.notifications.models import Notification

pytestmark = pytest.mark.django_db

HOUR = 3600
# Friday 2026-03-06, 16:00 in Berlin (UTC+1): two business hours left that day.
FRIDAY_16 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
MONDAY_09 = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
MONDAY_10 = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
def billing_hours(billing: Team) -> Team:
    """Billing works Mon-Fri 08:00-18:00 in Berlin and answers consults within 4 business hours."""
    billing.calendar = calendar_create(
        name="Billing hours",
        time_zone="Europe/Berlin",
        intervals=[(day, time(8), time(18)) for day in range(5)],
    )
    billing.save(update_fields=["calendar"])
    consult_target_set(team=billing, first_answer_seconds=4 * HOUR)
    return billing


@pytest.fixture
def dora(support: Team) -> User:
    user = factories.UserFactory.create(username="dora", role=Role.AGENT)
    support.members.add(user)
    return user


@pytest.fixture
def conversation(support: Team, agent: User, dora: User) -> Conversation:
    nora = customer_create(name="Nora Quinn", identities=[("email", "nora@example.com")])
    conversation = conversation_open(
        channel="email",
        customer=nora,
        subject="Charged twice",
        body_text="My card was charged twice.",
        team=support,
        at=FRIDAY_16 - timedelta(hours=1),
    )
    conversation_assign(conversation=conversation, actor=agent, assignee=dora)
    return conversation


Ask = Callable[..., Consult]


@pytest.fixture
def ask(conversation: Conversation, agent: User, billing_hours: Team) -> Ask:
    def make(**kwargs: object) -> Consult:
        kwargs.setdefault("at", FRIDAY_16)
        return consult_open(
            conversation=conversation,
            actor=agent,
            team=billing_hours,
            question="Was the second charge refunded?",
            **kwargs,  # type: ignore[arg-type]
        )

    return make


def _told(kind_key: str) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind="consult", dedupe_key__endswith=kind_key)
    return sorted(rows.values_list("recipient__username", "title"))


def test_the_first_answer_is_due_in_the_teams_business_hours_across_the_weekend(
    ask: Ask,
) -> None:
    consult = ask()
    # Two hours on Friday (16-18), the other two on Monday from 08:00.
    assert consult.due_at == MONDAY_10
    # Warned when a quarter is left: after three business hours.
    assert consult.warn_at == MONDAY_09


def test_a_lead_time_of_its_own_and_the_askers_due_time_win(ask: Ask, billing_hours: Team) -> None:
    consult_target_set(team=billing_hours, first_answer_seconds=4 * HOUR, warn_before_seconds=1800)
    assert ask().warn_at == MONDAY_10 - timedelta(minutes=30)
    # "Answer within 2h" typed by the asker: two hours on the clock, not business hours.
    own = ask(due_at=FRIDAY_16 + timedelta(hours=2))
    assert own.due_at == FRIDAY_16 + timedelta(hours=2)
    assert own.warn_at == FRIDAY_16 + timedelta(minutes=90)


def test_a_warning_lead_as_long_as_the_target_is_refused(billing: Team) -> None:
    with pytest.raises(ValidationFailed) as raised:
        consult_target_set(team=billing, first_answer_seconds=HOUR, warn_before_seconds=HOUR)
    assert raised.value.field == "warn_before_seconds"


def test_a_team_without_a_target_or_a_calendar(
    conversation: Conversation, agent: User, billing: Team
) -> None:
    plain = consult_open(
        conversation=conversation, actor=agent, team=billing, question="?", at=FRIDAY_16
    )
    assert (plain.due_at, plain.warn_at) == (None, None)
    consult_target_set(team=billing, first_answer_seconds=4 * HOUR)
    round_the_clock = consult_open(
        conversation=conversation, actor=agent, team=billing, question="?", at=FRIDAY_16
    )
    assert round_the_clock.due_at == FRIDAY_16 + timedelta(hours=4)


def test_warning_and_breach_are_each_written_once_however_often_the_sweep_runs(
    ask: Ask, conversation: Conversation, collaborator: User, other_agent: User
) -> None:
    collaborator.time_zone = "Europe/Berlin"
    collaborator.save(update_fields=["time_zone"])
    consult = ask()
    assert consult_sla_sweep(now=MONDAY_09 - timedelta(minutes=1)) == 0
    assert consult_sla_sweep(now=MONDAY_09) == 1
    assert consult_sla_sweep(now=MONDAY_09 + timedelta(minutes=1)) == 0
    warned = _told(":warning")
    # The people asked (Billing), each in their own zone.
    assert [who for who, _ in warned] == ["bea", "carl"]
    assert (
        warned[0][1]
        == f"Consult answer due Mon 09 Mar, 09:00 (UTC): #{conversation.pk} Charged twice"
    )
    assert warned[1][1].startswith("Consult answer due Mon 09 Mar, 10:00 (CET)")

    assert consult_sla_sweep(now=MONDAY_10 + timedelta(seconds=1)) == 1
    assert consult_sla_sweep(now=MONDAY_10 + timedelta(hours=1)) == 0
    consult.refresh_from_db()
    assert consult.warned_at == MONDAY_09
    assert consult.breached_at == MONDAY_10 + timedelta(seconds=1)
    assert consult.is_overdue(now=MONDAY_10 + timedelta(seconds=1))
    # The asker and the conversation's assignee hear of the breach; Billing was warned.
    breached = _told(":breached")
    assert [who for who, _ in breached] == ["alex", "dora"]
    assert (
        breached[0][1]
        == f"No answer yet from Billing, now overdue: #{conversation.pk} Charged twice"
    )
    assert Notification.objects.filter(kind="consult", dedupe_key__contains=":warning").count() == 2


def test_a_sweep_that_comes_late_writes_the_breach_and_no_warning(ask: Ask) -> None:
    consult = ask()
    assert consult_sla_sweep(now=MONDAY_10 + timedelta(hours=2)) == 1
    consult.refresh_from_db()
    assert consult.warned_at is None
    assert consult.breached_at is not None
    assert _told(":warning") == []


def test_an_answer_before_the_due_time_stops_the_clock_for_good(
    ask: Ask, agent: User, collaborator: User
) -> None:
    consult = ask()
    consult_reply(
        consult=consult, actor=collaborator, body="Yes.", at=MONDAY_09 - timedelta(hours=1)
    )
    # The owner's follow-up makes it wait again, but the first answer was given.
    consult_reply(consult=consult, actor=agent, body="Which card?", at=MONDAY_09)
    consult.refresh_from_db()
    assert consult.status == ConsultStatus.OPEN
    assert consult_sla_sweep(now=MONDAY_10 + timedelta(hours=5)) == 0
    consult.refresh_from_db()
    assert (consult.warned_at, consult.breached_at) == (None, None)
    assert not consult.is_overdue(now=MONDAY_10 + timedelta(hours=5))
    assert not consult.answered_late
    assert _told(":breached") == []


def test_a_late_answer_the_sweep_had_not_noticed_is_still_a_breach(
    ask: Ask, collaborator: User
) -> None:
    consult = ask()
    consult_reply(
        consult=consult, actor=collaborator, body="Sorry, yes.", at=MONDAY_10 + timedelta(minutes=5)
    )
    consult.refresh_from_db()
    assert consult.breached_at == MONDAY_10 + timedelta(minutes=5)
    assert consult.answered_late
    assert consult_sla_sweep(now=MONDAY_10 + timedelta(hours=1)) == 0
    assert _told(":breached") == []  # the answer is there: nobody needs telling


def test_a_consult_closed_unanswered_is_never_breached(ask: Ask, agent: User) -> None:
    consult = ask()
    consult_close(consult=consult, actor=agent, at=MONDAY_09 - timedelta(hours=1))
    assert consult_sla_sweep(now=MONDAY_10 + timedelta(hours=1)) == 0
    consult.refresh_from_db()
    assert not consult.is_overdue(now=MONDAY_10 + timedelta(hours=1))


def test_the_api_and_the_queue_show_an_overdue_consult(
    conversation: Conversation,
    agent: User,
    collaborator: User,
    billing: Team,
    api_client: Callable[[User], Client],
    client: Client,
) -> None:
    consult_target_set(team=billing, first_answer_seconds=4 * HOUR)
    consult = consult_open(
        conversation=conversation,
        actor=agent,
        team=billing,
        question="Refund?",
        at=timezone.now() - timedelta(hours=5),
    )
    body = api_client(collaborator).get(f"/api/v1/consults/{consult.pk}").json()
    assert body["overdue"] is True
    assert body["answered_late"] is False
    assert body["due_at"] is not None
    assert body["breached_at"] is None  # until the sweep runs
    client.force_login(collaborator)
    page = client.get("/app/consults/").content.decode()
    assert "overdue" in page


def test_changing_the_target_or_the_hours_moves_waiting_consults(
    ask: Ask,
    billing_hours: Team,
    collaborator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    waiting = ask()
    answered = ask()
    consult_reply(consult=answered, actor=collaborator, body="Yes.", at=FRIDAY_16)
    own = ask(due_at=FRIDAY_16 + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        consult_target_set(team=billing_hours, first_answer_seconds=6 * HOUR)
    assert _due(waiting) == MONDAY_10 + timedelta(hours=2)
    assert _due(answered) == MONDAY_10  # met: keeps the due time it was met under
    assert _due(own) == FRIDAY_16 + timedelta(hours=2)  # the asker's own
    assert billing_hours.calendar is not None
    with django_capture_on_commit_callbacks(execute=True):
        calendar_add_closed_date(calendar=billing_hours.calendar, day=date(2026, 3, 9), label="Off")
    assert _due(waiting) == MONDAY_10 + timedelta(days=1, hours=2)


def test_a_target_set_later_applies_to_consults_waiting_without_one(
    conversation: Conversation,
    agent: User,
    billing: Team,
    django_capture_on_commit_callbacks: Any,
) -> None:
    consult = consult_open(
        conversation=conversation, actor=agent, team=billing, question="?", at=FRIDAY_16
    )
    assert consult.due_at is None
    with django_capture_on_commit_callbacks(execute=True):
        consult_target_set(team=billing, first_answer_seconds=HOUR)
    assert _due(consult) == FRIDAY_16 + timedelta(hours=1)  # no calendar: on the clock


def _due(consult: Consult) -> datetime | None:
    consult.refresh_from_db()
    return consult.due_at
