"""Writes for SLAs: recompute a conversation's targets, and fire due warnings and breaches.

Exactly once: an alarm is written only by the transaction whose conditional
UPDATE (``warned_at``/``breached_at`` still empty, due time unchanged) moved
one row, and in that same transaction. Repeated or concurrent sweeps and
refreshes therefore never duplicate one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Team
from concord.calendars.models import Calendar
from concord.common.errors import ValidationFailed
from concord.conversations.models import Channel, Priority
from concord.conversations.selectors import conversation_find
from concord.conversations.services import conversation_record_sla_alarm
from concord.customers.models import Organization, Tier
from concord.sla.clock import Spec
from concord.sla.models import SlaPolicy, SlaState, SlaTarget
from concord.sla.selectors import (
    sla_forget_cached,
    sla_policies_active,
    sla_policy_for,
    sla_specs,
    sla_subject,
    sla_unsolved_conversation_ids,
)

logger = logging.getLogger("concord.sla")

WARNING, BREACHED = "sla_warning", "sla_breached"
_TIMES = ("budget_seconds", "started_at", "due_at", "warn_at", "achieved_at")


def sla_refresh(
    *,
    conversation_id: int,
    now: datetime | None = None,
    policies: list[SlaPolicy] | None = None,
) -> None:
    """Pick the policy, recompute the targets from the event log, fire what is due.

    Idempotent: the same events give the same rows and no second alarm. A
    met target keeps the policy and due time it was met under; an open one
    follows the policy picked now (priority or team may have changed).
    ``policies`` lets a caller refreshing many conversations load them once.
    """
    _refresh(conversation_id=conversation_id, now=now or timezone.now(), policies=policies)


def _refresh(*, conversation_id: int, now: datetime, policies: list[SlaPolicy] | None) -> int:
    """``sla_refresh``, answering how many alarms it wrote."""
    moment = now
    written = 0
    with transaction.atomic():
        locked = _lock_state(conversation_id=conversation_id, now=moment)
        if locked is None:
            return 0
        state, first_look = locked
        subject = sla_subject(conversation_id=conversation_id)
        if subject is None:
            return 0
        policy = sla_policy_for(
            subject=subject, policies=sla_policies_active() if policies is None else policies
        )
        specs = sla_specs(policy=policy, subject=subject)
        # A target first seen already met gets a row only if it was met since
        # the last refresh (the worker may lag a change behind), or on the
        # first look (an import). One met before, while no such target
        # applied, must not become a breach when the priority changes later:
        # had it applied, the last refresh would have made its row.
        met_since = None if first_look else state.refreshed_at
        rows = _apply(
            conversation_id=conversation_id, policy=policy, specs=specs, met_since=met_since
        )
        for row in rows:
            written += _fire_due(row=row, now=moment)
        state.policy = policy
        state.next_due_at = min(
            (r.due_at for r in rows if r.due_at is not None and r.achieved_at is None),
            default=None,
        )
        state.refreshed_at = moment
        state.save(update_fields=["policy", "next_due_at", "refreshed_at"])
    return written


def _lock_state(*, conversation_id: int, now: datetime) -> tuple[SlaState, bool] | None:
    """The conversation's state row, locked, and whether it is new; None when it is gone."""
    state = SlaState.objects.select_for_update().filter(pk=conversation_id).first()
    if state is not None:
        return state, False
    if conversation_find(conversation_id=conversation_id) is None:
        return None
    _, created = SlaState.objects.get_or_create(
        conversation_id=conversation_id, defaults={"refreshed_at": now}
    )
    return SlaState.objects.select_for_update().get(pk=conversation_id), created


def _apply(
    *,
    conversation_id: int,
    policy: SlaPolicy | None,
    specs: list[Spec],
    met_since: datetime | None = None,
) -> list[SlaTarget]:
    """Bring the stored rows in line with ``specs``; returns the rows now stored.

    A target without a row that is already met gets one only if it was met
    after ``met_since`` (None: any).
    """
    existing = {
        (t.target, t.cycle): t for t in SlaTarget.objects.filter(conversation_id=conversation_id)
    }
    kept: list[SlaTarget] = []
    for spec in specs:
        row = existing.pop((spec.target, spec.cycle), None)
        if (
            row is None
            and spec.achieved_at is not None
            and met_since is not None
            and spec.achieved_at <= met_since
        ):
            continue
        if row is None:
            kept.append(
                SlaTarget.objects.create(
                    conversation_id=conversation_id,
                    target=spec.target,
                    cycle=spec.cycle,
                    policy=policy,
                    budget_seconds=spec.budget,
                    started_at=spec.started_at,
                    due_at=spec.due_at,
                    warn_at=spec.warn_at,
                    achieved_at=spec.achieved_at,
                )
            )
            continue
        kept.append(row)
        if row.achieved_at is not None and row.achieved_at == spec.achieved_at:
            continue  # met: settled under the policy it was met under
        if row.breached_at is not None:
            # Missed: settled too. A breach that happened stays a breach of the
            # target as it was (its policy, budget and due time), so a later
            # priority or policy change cannot turn it into "breached, due
            # tomorrow", and the reports count the miss on the day it happened.
            # Only a late answer is still news.
            if row.achieved_at != spec.achieved_at:
                row.achieved_at = spec.achieved_at
                row.save(update_fields=["achieved_at"])
            continue
        wanted = {
            "budget_seconds": spec.budget,
            "started_at": spec.started_at,
            "due_at": spec.due_at,
            "warn_at": spec.warn_at,
            "achieved_at": spec.achieved_at,
        }
        changed = [name for name in _TIMES if getattr(row, name) != wanted[name]]
        if row.policy_id != (policy.pk if policy else None):
            row.policy = policy
            changed.append("policy")
        for name in _TIMES:
            setattr(row, name, wanted[name])
        if changed:
            row.save(update_fields=changed)
    for row in existing.values():
        # A target the policy no longer sets: forget it unless it is history
        # (met, or an alarm was written); then it only stops running.
        if row.achieved_at is None and row.warned_at is None and row.breached_at is None:
            row.delete()
        elif row.breached_at is not None:
            continue  # a miss stays the miss it was, due time and all
        elif row.achieved_at is None and (row.due_at or row.warn_at):
            row.due_at = row.warn_at = None
            row.save(update_fields=["due_at", "warn_at"])
    return kept


def _fire_due(*, row: SlaTarget, now: datetime) -> int:
    """Write the breach or warning this row is due for, if any; returns how many (0 or 1)."""
    due, warn = row.due_at, row.warn_at
    if due is None:
        return 0
    if row.breached_at is None:
        late = row.achieved_at > due if row.achieved_at else now > due
        if late:
            # Dated when the target was missed, so the timeline and metrics place it there.
            claim: dict[str, object] = {"breached_at__isnull": True}
            return _alarm(
                row=row,
                kind=BREACHED,
                due=due,
                claim=claim,
                mark="breached_at",
                at=min(due, now),
                now=now,
            )
    if (
        row.warned_at is None
        and row.breached_at is None
        and row.achieved_at is None
        and warn is not None
        and warn <= now <= due
    ):
        claim = {
            "warned_at__isnull": True,
            "breached_at__isnull": True,
            "achieved_at__isnull": True,
            "warn_at": warn,
        }
        return _alarm(
            row=row,
            kind=WARNING,
            due=due,
            claim=claim,
            mark="warned_at",
            at=min(warn, now),
            now=now,
        )
    return 0


def _alarm(
    *,
    row: SlaTarget,
    kind: str,
    due: datetime,
    claim: Mapping[str, object],
    mark: str,
    at: datetime,
    now: datetime,
) -> int:
    """Mark the row (``mark``) and write the event, if no one else has; in one transaction.

    ``claim`` is the state the row must still be in: the conditional update is
    what makes repeated and concurrent sweeps write each alarm once.
    """
    with transaction.atomic():
        moved = SlaTarget.objects.filter(pk=row.pk, due_at=due, **claim).update(**{mark: now})
        if moved != 1:
            return 0
        conversation = conversation_find(conversation_id=row.conversation_id)
        if conversation is None:
            return 0
        conversation_record_sla_alarm(
            conversation=conversation, kind=kind, target=row.target, due_at=due, at=at
        )
    setattr(row, mark, now)
    return 1


def sla_sweep(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Fire the warnings and breaches that are due; returns how many alarms were written.

    It finds the due clocks through the sweep's partial indexes, so an idle
    sweep costs the same at any number of conversations; then it refreshes
    each conversation concerned, which decides from the event log (a reply
    recorded but not yet refreshed means no breach) and writes each alarm once.
    A warning whose due time has already passed is not written: the breach says more.
    """
    moment = now or timezone.now()
    breaches = SlaTarget.objects.filter(
        breached_at__isnull=True,
        achieved_at__isnull=True,
        due_at__isnull=False,
        due_at__lt=moment,
    ).order_by("due_at")
    warnings = SlaTarget.objects.filter(
        warned_at__isnull=True,
        breached_at__isnull=True,
        achieved_at__isnull=True,
        warn_at__isnull=False,
        warn_at__lte=moment,
        due_at__gte=moment,
    ).order_by("warn_at")
    ids = list(breaches.values_list("conversation_id", flat=True)[:limit])
    if len(ids) < limit:
        ids += warnings.values_list("conversation_id", flat=True)[: limit - len(ids)]
    if not ids:
        return 0
    policies = sla_policies_active()
    written = 0
    for conversation_id in dict.fromkeys(ids):
        try:
            written += _refresh(conversation_id=conversation_id, now=moment, policies=policies)
        except Exception:
            # One conversation's bad data must not hold back everyone else's alarms.
            logger.exception("SLA sweep could not refresh conversation %s.", conversation_id)
    if written:
        logger.info("SLA sweep wrote %d alarms.", written)
    return written


RECOMPUTE_CHUNK = 500


def sla_recompute_open(
    *, now: datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Refresh every conversation whose clocks may still run; returns how many.

    After a calendar or policy change (``receivers``), so open conversations
    get due times from the new hours at once, not when something next touches
    them; a due time that moved earlier then warns and breaches on time. Each
    chunk is its own transactions, so a long run never holds the database.
    """
    sla_forget_cached()  # this process may keep the old hours for a minute
    ids = sla_unsolved_conversation_ids()
    for start in range(0, len(ids), RECOMPUTE_CHUNK):
        chunk = ids[start : start + RECOMPUTE_CHUNK]
        sla_refresh_many(conversation_ids=chunk, now=now)
        if progress is not None:
            progress(start + len(chunk), len(ids))
    return len(ids)


def sla_refresh_many(*, conversation_ids: list[int], now: datetime | None = None) -> None:
    """``sla_refresh`` for each conversation, loading the policies once (demo, imports)."""
    policies = sla_policies_active()
    for conversation_id in conversation_ids:
        sla_refresh(conversation_id=conversation_id, now=now, policies=policies)


def sla_policy_create(
    *,
    name: str,
    position: int = 0,
    first_response_seconds: int | None = None,
    next_reply_seconds: int | None = None,
    resolution_seconds: int | None = None,
    warn_before_seconds: int = 0,
    business_hours: bool = True,
    calendar: Calendar | None = None,
    pause_on_pending: bool = True,
    pause_on_hold: bool = False,
    priorities: Sequence[str] = (),
    channels: Sequence[str] = (),
    customer_tiers: Sequence[str] = (),
    teams: Sequence[Team] = (),
    organizations: Sequence[Organization] = (),
    is_active: bool = True,
) -> SlaPolicy:
    """A policy (the admin is the other way to make one); conditions left empty match any."""
    policy = SlaPolicy(
        name=" ".join(name.split()),
        position=position,
        first_response_seconds=first_response_seconds,
        next_reply_seconds=next_reply_seconds,
        resolution_seconds=resolution_seconds,
        warn_before_seconds=warn_before_seconds,
        business_hours=business_hours,
        calendar=calendar,
        pause_on_pending=pause_on_pending,
        pause_on_hold=pause_on_hold,
        priorities=list(priorities),
        channels=list(channels),
        customer_tiers=list(customer_tiers),
        is_active=is_active,
    )
    _check_policy(policy=policy)
    with transaction.atomic():
        policy.save()
        policy.teams.set(teams)
        policy.organizations.set(organizations)
    return policy


def _check_policy(*, policy: SlaPolicy) -> None:
    try:
        policy.full_clean(exclude=["teams", "organizations"])
    except DjangoValidationError as exc:
        field, errors = next(iter(exc.message_dict.items()))
        raise ValidationFailed(f"{field}: {' '.join(errors)}", field=field) from None
    for values, allowed, field in (
        (policy.priorities, Priority.values, "priorities"),
        (policy.channels, Channel.values, "channels"),
        (policy.customer_tiers, Tier.values, "customer_tiers"),
    ):
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ValidationFailed(f"Unknown {field}: {', '.join(unknown)}.", field=field)


_POLICY_FIELDS = frozenset(
    {
        "name",
        "position",
        "is_active",
        "first_response_seconds",
        "next_reply_seconds",
        "resolution_seconds",
        "warn_before_seconds",
        "business_hours",
        "calendar",
        "pause_on_pending",
        "pause_on_hold",
        "priorities",
        "channels",
        "customer_tiers",
    }
)


def sla_policy_update(
    *,
    policy: SlaPolicy,
    changes: Mapping[str, object],
    teams: Sequence[Team] | None = None,
) -> SlaPolicy:
    """Change the named fields (and the teams, unless None) in one transaction.

    Open conversations follow the new targets through the background recompute
    that any policy save queues (``sla.receivers``).
    """
    unknown = sorted(set(changes) - _POLICY_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown policy fields: {', '.join(unknown)}.")
    for name, value in changes.items():
        if name == "name" and isinstance(value, str):
            value = " ".join(value.split())
        if name in {"priorities", "channels", "customer_tiers"} and isinstance(
            value, (list, tuple)
        ):
            value = list(value)
        setattr(policy, name, value)
    _check_policy(policy=policy)
    with transaction.atomic():
        policy.save()
        if teams is not None:
            policy.teams.set(teams)
    sla_forget_cached()
    return policy
