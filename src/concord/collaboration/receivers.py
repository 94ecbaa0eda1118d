"""What consults add to the core: conversations opened to the teams consulted on them.

And what they follow: a change to a team's consult target, its calendar or
that calendar's hours moves the due times of the consults still waiting for a
first answer (in the background, as the conversation SLAs do).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.signals import post_delete, post_save

from concord.accounts.models import Team, User
from concord.calendars.models import Calendar, CalendarClosedDate, CalendarInterval
from concord.calendars.signals import calendar_hours_replaced
from concord.collaboration.models import Consult, ConsultStatus, ConsultTarget
from concord.collaboration.selectors import consult_asks
from concord.conversations.selectors import conversation_register_visibility
from concord.customers.selectors import customer_register_visibility


def consulted(user: User) -> Q:
    """Conversations with a consult asking ``user`` or one of their teams (any status).

    A closed consult keeps the conversation readable to those who answered it:
    their answer is part of its history.
    """
    return Q(Exists(Consult.objects.filter(consult_asks(user), conversation_id=OuterRef("pk"))))


def customers_consulted(user: User) -> Q:
    """Customers of the conversations consulted to ``user`` or their teams (their context)."""
    asks = Consult.objects.filter(consult_asks(user), conversation__customer_id=OuterRef("pk"))
    return Q(Exists(asks))


def _recompute(team_ids: list[int] | None) -> None:
    from concord.collaboration.tasks import recompute_consult_due_times

    waiting = Consult.objects.filter(
        due_by_target=True, first_answer_at__isnull=True, status=ConsultStatus.OPEN
    )
    if team_ids is not None:
        waiting = waiting.filter(team_id__in=team_ids)
    # Saving a week grid writes a dozen intervals: no task when nothing waits.
    if waiting.exists():
        recompute_consult_due_times.enqueue(team_ids)


def _after_commit(team_ids: list[int] | None) -> None:
    if team_ids != []:
        transaction.on_commit(partial(_recompute, team_ids))


def _target_changed(sender: type[ConsultTarget], instance: ConsultTarget, **_: Any) -> None:
    _after_commit([instance.team_id])


def _team_saved(sender: type[Team], instance: Team, update_fields: Any = None, **_: Any) -> None:
    if update_fields is None or "calendar" in update_fields:
        _after_commit([instance.pk])


def _hours_changed(sender: type[Any], instance: Any = None, **kwargs: Any) -> None:
    calendar = kwargs.get("calendar") or instance
    if isinstance(calendar, Calendar):
        calendar_id: int | None = calendar.pk
    else:  # an interval or a closed date
        calendar_id = getattr(calendar, "calendar_id", None)
    if calendar_id is None:
        _after_commit(None)
        return
    _after_commit(list(Team.objects.filter(calendar_id=calendar_id).values_list("pk", flat=True)))


def _calendar_deleted(**_: Any) -> None:
    # Its teams now count round the clock: Django cleared their calendar with
    # one UPDATE, which sends no signal, so every team's consults are looked at.
    _after_commit(None)


def connect() -> None:
    conversation_register_visibility(consulted)
    customer_register_visibility(customers_consulted)
    for signal in (post_save, post_delete):
        signal.connect(_target_changed, sender=ConsultTarget, dispatch_uid=f"consult-{signal}")
    post_save.connect(_team_saved, sender=Team, dispatch_uid="consult-due-team")
    for model in (Calendar, CalendarInterval, CalendarClosedDate):
        post_save.connect(_hours_changed, sender=model, dispatch_uid=f"consult-save-{model}")
    for model in (CalendarInterval, CalendarClosedDate):
        post_delete.connect(_hours_changed, sender=model, dispatch_uid=f"consult-del-{model}")
    post_delete.connect(_calendar_deleted, sender=Calendar, dispatch_uid="consult-del-calendar")
    calendar_hours_replaced.connect(_hours_changed, dispatch_uid="consult-due-hours")
