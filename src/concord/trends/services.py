"""Writes for spikes: the sweep that raises alerts, and what supervisors do with them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from concord.accounts.models import SEE_ALL_ROLES, Team, User
from concord.common.errors import NotAllowed, ValidationFailed
from concord.conversations.selectors import conversation_may_work
from concord.notifications.models import NotificationKind
from concord.notifications.services import notification_send
from concord.problems.models import Problem, ProblemKind
from concord.problems.services import problem_create
from concord.trends.detection import Rule, Spike, detect, key_label
from concord.trends.models import AlertStatus, SpikeAlert
from concord.trends.selectors import (
    baseline_windows,
    conversation_rows,
    spike_alerts_current,
    spike_conversations_visible,
    spike_recipients,
)

WINDOW = timedelta(hours=1)
MAX_SAMPLES = 10
# An alert keeps this many conversation ids; a bigger spike is one problem all the same.
MAX_IDS = 2_000


def rule_from_settings() -> Rule:
    return Rule(
        min_count=settings.CONCORD_TRENDS_MIN_COUNT, factor=float(settings.CONCORD_TRENDS_FACTOR)
    )


def spike_sweep(*, now: datetime | None = None, rule: Rule | None = None) -> list[SpikeAlert]:
    """Judge the last hour against the same hour of past weeks; the new alerts raised.

    Safe to run twice at once: a second alert for a live key breaks a unique
    constraint and is skipped, and updating a live alert only adds ids.
    """
    moment = now or timezone.now()
    windows = baseline_windows(
        end=moment, length=WINDOW, weeks=settings.CONCORD_TRENDS_BASELINE_WEEKS
    )
    current, *baseline = conversation_rows(windows=windows)
    known = spike_alerts_current()
    live = {key for key, alert in known.items() if alert.ended_at is None}
    spikes = detect(
        current=current, baseline=baseline, rule=rule or rule_from_settings(), prefer=live
    )
    seen: set[str] = set()
    created: list[SpikeAlert] = []
    with transaction.atomic():
        for spike in spikes:
            seen.add(spike.key)
            seen.update(spike.related)
            alert = known.get(spike.key)
            if alert is not None:
                _carry_on(alert, spike, now=moment)
                continue
            new = _raise(spike, now=moment)
            if new is not None:
                created.append(new)
        # A folded key's own live alert is the same topic: still running, not ended.
        for key in seen - {spike.key for spike in spikes}:
            if key in live:
                SpikeAlert.objects.filter(key=key, ended_at__isnull=True).update(
                    last_seen_at=moment
                )
        SpikeAlert.objects.filter(ended_at__isnull=True).exclude(key__in=seen).update(
            ended_at=moment
        )
        for alert in created:
            _notify(alert)
    return created


def _carry_on(alert: SpikeAlert, spike: Spike, *, now: datetime) -> None:
    ids = sorted(set(alert.conversation_ids) | set(spike.ids))[:MAX_IDS]
    samples = list(alert.sample_ids)
    samples += [pk for pk in spike.ids if pk not in samples][: MAX_SAMPLES - len(samples)]
    alert.conversation_ids = ids
    alert.sample_ids = samples
    alert.related = sorted(set(alert.related) | set(spike.related))
    alert.last_seen_at = now
    alert.ended_at = None  # an open alert whose key spikes again is lit again
    fields = ["conversation_ids", "sample_ids", "related", "last_seen_at", "ended_at"]
    if spike.count > alert.count:
        alert.count, alert.expected = spike.count, spike.expected
        alert.window_start, alert.window_end = now - WINDOW, now
        fields += ["count", "expected", "window_start", "window_end"]
    alert.save(update_fields=fields)


def _raise(spike: Spike, *, now: datetime) -> SpikeAlert | None:
    try:
        with transaction.atomic():
            return SpikeAlert.objects.create(
                key=spike.key,
                related=sorted(spike.related),
                count=spike.count,
                expected=spike.expected,
                window_start=now - WINDOW,
                window_end=now,
                sample_ids=spike.ids[:MAX_SAMPLES],
                conversation_ids=spike.ids[:MAX_IDS],
                first_seen_at=now,
                last_seen_at=now,
            )
    except IntegrityError:
        return None  # another sweep raised it a moment ago


def alert_title(alert: SpikeAlert) -> str:
    return f"{key_label(alert.key)}: {alert.count} new conversations in an hour"


def _notify(alert: SpikeAlert) -> None:
    recipients = spike_recipients()
    if not recipients:
        return
    body = (
        f"{alert.count} conversations in the hour to {alert.window_end:%H:%M} UTC, "
        f"against about {alert.expected:.1f} in that hour of past weeks. "
        "Review the samples, then create a problem linking them or dismiss the alert."
    )
    notification_send(
        recipients=recipients,
        title=alert_title(alert),
        body=body,
        url=f"/app/trends/#alert-{alert.pk}",
        dedupe_key=f"spike:{alert.pk}",
        kind=NotificationKind.SPIKE,
        now=alert.first_seen_at,
    )


def _require_manager(actor: User) -> None:
    if not actor.is_active or actor.role not in SEE_ALL_ROLES:
        raise NotAllowed("Only supervisors and admins handle spike alerts.")


def _close(alert: SpikeAlert, *, actor: User, status: str, now: datetime) -> None:
    """Mark the open alert handled; fails if someone handled it first."""
    done = SpikeAlert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=status, handled_by=actor, handled_at=now
    )
    if not done:
        raise ValidationFailed("Someone has already handled this alert.")
    alert.status, alert.handled_by, alert.handled_at = status, actor, now


def spike_alert_dismiss(*, alert: SpikeAlert, actor: User, now: datetime | None = None) -> None:
    _require_manager(actor)
    with transaction.atomic():
        _close(alert, actor=actor, status=AlertStatus.DISMISSED, now=now or timezone.now())


def spike_alert_create_problem(
    *,
    alert: SpikeAlert,
    actor: User,
    title: str,
    team: Team,
    kind: str = ProblemKind.PROBLEM,
    now: datetime | None = None,
) -> Problem:
    """A problem owned by ``team`` linking the alert's conversations ``actor`` may work."""
    _require_manager(actor)
    moment = now or timezone.now()
    with transaction.atomic():
        _close(alert, actor=actor, status=AlertStatus.PROBLEM, now=moment)
        conversations = [
            conversation
            for conversation in spike_conversations_visible(user=actor, ids=alert.conversation_ids)
            if conversation_may_work(user=actor, conversation=conversation)
        ]
        problem = problem_create(
            actor=actor,
            title=title,
            team=team,
            kind=kind,
            description=(
                f"From the spike alert on {key_label(alert.key)}: {alert.count} conversations "
                f"in an hour against about {alert.expected:.1f} usually."
            ),
            conversations=conversations,
            at=moment,
        )
        alert.problem = problem
        alert.save(update_fields=["problem"])
    return problem
