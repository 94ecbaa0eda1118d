"""The consult SLA: time to first answer, warned once and breached once.

A consult's first answer is due at the asker's own "answer within" (calendar
time, as typed), else at the consulted team's ``ConsultTarget`` counted in the
business hours of that team's calendar. The business-time arithmetic is the
calendars app's, the same the conversation SLAs use.

Exactly once: the sweep writes a warning or a breach only in the transaction
whose conditional UPDATE (``warned_at``/``breached_at`` still empty, no first
answer yet, due time unchanged) moved the row, and notifies in that same
transaction under a dedupe key. Repeated or concurrent sweeps write nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.accounts.selectors import user_zone
from concord.accounts.services import SYSTEM_USERNAME
from concord.calendars.businesstime import Schedule, add_business_seconds
from concord.calendars.models import Calendar
from concord.calendars.selectors import calendar_schedule
from concord.collaboration.models import Consult, ConsultStatus, ConsultTarget
from concord.collaboration.selectors import consult_people_asked
from concord.common.errors import ValidationFailed
from concord.notifications.models import NotificationKind
from concord.notifications.services import notification_send

logger = logging.getLogger("concord.collaboration")

# Without a lead time of its own, a target warns when a quarter of it is left.
DEFAULT_WARN_SHARE = 0.75


@dataclass(frozen=True)
class FirstAnswerClock:
    due_at: datetime | None
    warn_at: datetime | None
    # From the team's target (if it has one), not the asker's own due time.
    by_target: bool = False


def _team_schedule(team: Team) -> Schedule | None:
    """The team's business hours; None (round the clock) without a calendar or any hours."""
    if team.calendar_id is None:
        return None
    calendar = Calendar.objects.filter(pk=team.calendar_id).first()
    if calendar is None:
        return None
    schedule = calendar_schedule(calendar=calendar)
    return None if schedule.is_empty else schedule


def _after(schedule: Schedule | None, start: datetime, seconds: float) -> datetime:
    if schedule is None:
        return start + timedelta(seconds=seconds)
    return add_business_seconds(schedule=schedule, start=start, seconds=seconds)


def consult_first_answer_clock(
    *, team: Team | None, asked_at: datetime, due_at: datetime | None
) -> FirstAnswerClock:
    """When a consult asked at ``asked_at`` must have its first answer, and when to warn.

    ``due_at``: the asker's own due time, which wins; its warning comes when a
    quarter of the time is left. Otherwise the team's target, if it has one.
    A consult to a person outside any team has only the asker's due time.
    """
    if due_at is not None:
        share = (due_at - asked_at).total_seconds() * DEFAULT_WARN_SHARE
        return FirstAnswerClock(due_at=due_at, warn_at=asked_at + timedelta(seconds=share))
    if team is None:
        return FirstAnswerClock(due_at=None, warn_at=None)
    target = ConsultTarget.objects.filter(team_id=team.pk).first()
    schedule = _team_schedule(team) if target is not None else None
    return _by_target(target=target, schedule=schedule, asked_at=asked_at)


def _by_target(
    *, target: ConsultTarget | None, schedule: Schedule | None, asked_at: datetime
) -> FirstAnswerClock:
    if target is None:  # none yet: one set later applies to it
        return FirstAnswerClock(due_at=None, warn_at=None, by_target=True)
    budget = target.first_answer_seconds
    lead = target.warn_before_seconds or budget * (1 - DEFAULT_WARN_SHARE)
    return FirstAnswerClock(
        due_at=_after(schedule, asked_at, budget),
        warn_at=_after(schedule, asked_at, budget - lead) if lead < budget else None,
        by_target=True,
    )


def consult_due_recompute(*, team_ids: Collection[int] | None = None) -> int:
    """Due times of the consults still waiting for a first answer, from the targets and hours now.

    Only those whose due time came from their team's target (not the
    asker's), neither answered nor missed: a breach stays the miss it was, and
    a warning already sent is not sent again. ``team_ids``: only these teams'.
    Returns how many consults moved.
    """
    waiting = Consult.objects.filter(
        due_by_target=True,
        first_answer_at__isnull=True,
        breached_at__isnull=True,
        status=ConsultStatus.OPEN,
    )
    if team_ids is not None:
        waiting = waiting.filter(team_id__in=list(team_ids))
    moved = 0
    by_team: dict[int, list[Consult]] = {}
    for consult in waiting.only("pk", "team_id", "created_at", "due_at", "warn_at"):
        if consult.team_id is not None:
            by_team.setdefault(consult.team_id, []).append(consult)
    for team in Team.objects.filter(pk__in=by_team):
        target = ConsultTarget.objects.filter(team_id=team.pk).first()
        # Once per team: the schedule keeps the days it has worked out.
        schedule = _team_schedule(team) if target is not None else None
        for consult in by_team[team.pk]:
            clock = _by_target(target=target, schedule=schedule, asked_at=consult.created_at)
            if (clock.due_at, clock.warn_at) == (consult.due_at, consult.warn_at):
                continue
            # Conditional: a consult answered or breached meanwhile keeps its due time.
            moved += Consult.objects.filter(
                pk=consult.pk, first_answer_at__isnull=True, breached_at__isnull=True
            ).update(due_at=clock.due_at, warn_at=clock.warn_at)
    if moved:
        logger.info("Consult due times recomputed: %d moved.", moved)
    return moved


def consult_target_set(
    *, team: Team, first_answer_seconds: int | None, warn_before_seconds: int = 0
) -> ConsultTarget | None:
    """Give ``team`` a first-answer target (None removes it); new consults follow it."""
    with transaction.atomic():
        if first_answer_seconds is None:
            ConsultTarget.objects.filter(team_id=team.pk).delete()
            return None
        check_consult_target(
            first_answer_seconds=first_answer_seconds, warn_before_seconds=warn_before_seconds
        )
        target, _ = ConsultTarget.objects.update_or_create(
            team=team,
            defaults={
                "first_answer_seconds": first_answer_seconds,
                "warn_before_seconds": warn_before_seconds,
            },
        )
    return target


def check_consult_target(*, first_answer_seconds: int, warn_before_seconds: int) -> None:
    if first_answer_seconds <= 0:
        raise ValidationFailed(
            "A first-answer target must be longer than zero.", field="first_answer_seconds"
        )
    if warn_before_seconds >= first_answer_seconds:
        # It could never warn: the warning would come before the consult was asked.
        raise ValidationFailed(
            "Warn before must be shorter than the first-answer target.",
            field="warn_before_seconds",
        )


def consult_sla_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Write the consult warnings and breaches that are due; returns how many were written.

    A warning whose due time has already passed is not written: the breach says more.
    """
    moment = now or timezone.now()
    waiting = Consult.objects.filter(first_answer_at__isnull=True, status=ConsultStatus.OPEN)
    late = waiting.filter(breached_at__isnull=True, due_at__isnull=False, due_at__lt=moment)
    soon = waiting.filter(
        warned_at__isnull=True,
        breached_at__isnull=True,
        warn_at__isnull=False,
        warn_at__lte=moment,
        due_at__gte=moment,
    )
    written = 0
    for consult in late.order_by("due_at").select_related("conversation")[:limit]:
        written += _alarm(consult=consult, mark="breached_at", now=moment)
    for consult in soon.order_by("warn_at").select_related("conversation")[:limit]:
        written += _alarm(consult=consult, mark="warned_at", now=moment)
    if written:
        logger.info("Consult sweep wrote %d warnings and breaches.", written)
    return written


def _alarm(*, consult: Consult, mark: str, now: datetime) -> int:
    """Mark the consult and notify, if no one else has; in one transaction."""
    claim: dict[str, object] = {
        "pk": consult.pk,
        "due_at": consult.due_at,
        "first_answer_at__isnull": True,
        "status": ConsultStatus.OPEN,
        "breached_at__isnull": True,
    }
    if mark == "warned_at":
        claim["warned_at__isnull"] = True
    with transaction.atomic():
        if Consult.objects.filter(**claim).update(**{mark: now}) != 1:
            return 0
        setattr(consult, mark, now)
        if mark == "breached_at":
            _tell_breach(consult=consult)
        else:
            _tell_warning(consult=consult)
    return 1


def _subject(consult: Consult) -> str:
    return f"#{consult.conversation_id} {consult.conversation.subject or '(no subject)'}"


def _tell_warning(*, consult: Consult) -> None:
    if consult.due_at is None:  # pragma: no cover - the sweep only warns consults with one
        return
    # One each: the due time reads in each recipient's own zone.
    for person in consult_people_asked(consult=consult):
        due = consult.due_at.astimezone(user_zone(user=person))
        notification_send(
            recipients=[person],
            title=f"Consult answer due {due:%a %d %b, %H:%M} ({due.tzname()}): "
            + _subject(consult),
            body=consult.question,
            conversation=consult.conversation,
            dedupe_key=f"consult:{consult.pk}:warning",
            kind=NotificationKind.CONSULT,
            url=f"/app/consults/{consult.pk}/",
        )


def _tell_breach(*, consult: Consult) -> None:
    owners: dict[int, User] = {}
    for user in (consult.asked_by, consult.conversation.assignee):
        if user is not None and user.is_active and user.username != SYSTEM_USERNAME:
            owners[user.pk] = user
    notification_send(
        recipients=list(owners.values()),
        title=f"No answer yet from {consult.asked_of}, now overdue: {_subject(consult)}",
        body=consult.question,
        conversation=consult.conversation,
        dedupe_key=f"consult:{consult.pk}:breached",
        kind=NotificationKind.CONSULT,
        url=f"/app/consults/{consult.pk}/",
    )
