"""Writes for problems and feature requests: create, edit, move status, link, vote.

Every change is one transaction with its timeline event. Telling customers
is ``announce``'s job; a status change alone tells nobody, so the owner can
move a problem along and announce when the words are right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from concord.accounts.models import Team, User
from concord.common.errors import NotAllowed, ValidationFailed
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_may_work
from concord.customers.models import Customer
from concord.problems.models import (
    FINAL_STATUSES,
    STATUSES,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemKind,
    ProblemLink,
    ProblemStatus,
    ProblemVote,
)
from concord.problems.selectors import problem_may_manage, problem_visible_to

MAX_TITLE = 200
MAX_TEXT = 20_000
MAX_LINK_BATCH = 1_000


def _title(value: str) -> str:
    title = " ".join(value.split())
    if not title:
        raise ValidationFailed("The title is empty.", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"The title is longer than {MAX_TITLE} characters.", field="title")
    return title


def _text(value: str, *, field: str) -> str:
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"The {field} is longer than {MAX_TEXT} characters.", field=field)
    return text


def _check_team(team: Team) -> None:
    if team.pk is None:
        raise ValidationFailed("Choose the department that owns it.", field="team")


def _event(
    problem: Problem, kind: str, *, actor: User | None, at: datetime, old: str = "", new: str = ""
) -> None:
    ProblemEvent.objects.create(
        problem=problem, kind=kind, actor=actor, old_value=old[:200], new_value=new[:200], at=at
    )


def _require_staff(actor: User) -> None:
    if not actor.is_active or not actor.is_staff_member:
        raise NotAllowed("Only staff work on problems.")


def problem_create(
    *,
    actor: User,
    title: str,
    team: Team,
    kind: str = ProblemKind.PROBLEM,
    description: str = "",
    public_note: str = "",
    eta: date | None = None,
    portal_visible: bool = False,
    conversations: Sequence[Conversation] = (),
    at: datetime | None = None,
) -> Problem:
    """A new problem (or feature request), optionally linked to conversations at once."""
    _require_staff(actor)
    if kind not in ProblemKind.values:
        raise ValidationFailed(
            f"{kind!r} is not a kind ({', '.join(ProblemKind.values)}).", field="kind"
        )
    _check_team(team)
    moment = at or timezone.now()
    with transaction.atomic():
        problem = Problem.objects.create(
            kind=kind,
            title=_title(title),
            description=_text(description, field="description"),
            public_note=_text(public_note, field="public_note"),
            eta=eta,
            portal_visible=portal_visible and kind == ProblemKind.FEATURE,
            team=team,
            status=STATUSES[kind][0],
            created_by=actor,
            created_at=moment,
            updated_at=moment,
        )
        _event(problem, ProblemEventKind.CREATED, actor=actor, at=moment, new=problem.title)
        if conversations:
            _link(problem=problem, conversations=conversations, actor=actor, at=moment)
    return problem


def _require_manager(*, problem: Problem, actor: User) -> None:
    if not problem_visible_to(user=actor).filter(pk=problem.pk).exists():
        from concord.common.errors import NotFound

        raise NotFound(f"Problem {problem.pk} not found.")
    if not problem_may_manage(user=actor, problem=problem):
        raise NotAllowed(f"Only {problem.team.name}, supervisors and admins change this.")


def problem_update(
    *,
    problem: Problem,
    actor: User,
    title: str | None = None,
    description: str | None = None,
    public_note: str | None = None,
    eta: date | None = None,
    clear_eta: bool = False,
    team: Team | None = None,
    portal_visible: bool | None = None,
    at: datetime | None = None,
) -> Problem:
    _require_manager(problem=problem, actor=actor)
    moment = at or timezone.now()
    changed: list[str] = []
    if title is not None and _title(title) != problem.title:
        problem.title = _title(title)
        changed.append("title")
    if description is not None and _text(description, field="description") != problem.description:
        problem.description = _text(description, field="description")
        changed.append("description")
    if public_note is not None and _text(public_note, field="public_note") != problem.public_note:
        problem.public_note = _text(public_note, field="public_note")
        changed.append("public_note")
    if (eta is not None or clear_eta) and eta != problem.eta:
        problem.eta = None if clear_eta else eta
        changed.append("eta")
    if team is not None and team.pk != problem.team_id:
        _check_team(team)
        problem.team = team
        changed.append("team")
    feature = problem.kind == ProblemKind.FEATURE
    if portal_visible is not None and feature and portal_visible != problem.portal_visible:
        problem.portal_visible = portal_visible
        changed.append("portal_visible")
    if changed:
        with transaction.atomic():
            problem.updated_at = moment
            problem.save(update_fields=[*changed, "updated_at"])
            labels = {"public_note": "public note", "portal_visible": "shown in portal"}
            _event(
                problem,
                ProblemEventKind.EDITED,
                actor=actor,
                at=moment,
                new=", ".join(labels.get(f, f) for f in changed),
            )
    return problem


def problem_set_status(
    *, problem: Problem, actor: User, status: str, at: datetime | None = None
) -> Problem:
    _require_manager(problem=problem, actor=actor)
    allowed = STATUSES[problem.kind]
    if status not in allowed:
        labels = ", ".join(str(ProblemStatus(s).label) for s in allowed)
        raise ValidationFailed(
            f"A {problem.get_kind_display().lower()} is one of: {labels}.", field="status"
        )
    if status == problem.status:
        return problem
    moment = at or timezone.now()
    with transaction.atomic():
        old = problem.get_status_display()
        problem.status = status
        problem.closed_at = moment if status in FINAL_STATUSES else None
        problem.updated_at = moment
        problem.save(update_fields=["status", "closed_at", "updated_at"])
        _event(
            problem,
            ProblemEventKind.STATUS_CHANGED,
            actor=actor,
            at=moment,
            old=old,
            new=problem.get_status_display(),
        )
    return problem


def _link(
    *, problem: Problem, conversations: Sequence[Conversation], actor: User, at: datetime
) -> int:
    if len(conversations) > MAX_LINK_BATCH:
        raise ValidationFailed(
            f"Link at most {MAX_LINK_BATCH} conversations at once.", field="conversations"
        )
    for conversation in conversations:
        if not conversation_may_work(user=actor, conversation=conversation):
            raise NotAllowed(f"You cannot link conversation #{conversation.pk}.")
    existing = set(
        ProblemLink.objects.filter(
            problem_id=problem.pk, conversation_id__in=[c.pk for c in conversations]
        ).values_list("conversation_id", flat=True)
    )
    new = [c for c in dict.fromkeys(conversations) if c.pk not in existing]
    ProblemLink.objects.bulk_create(
        [ProblemLink(problem=problem, conversation=c, linked_by=actor, linked_at=at) for c in new],
        ignore_conflicts=True,  # a colleague linking the same one at the same moment
    )
    if len(new) == 1:
        _event(
            problem,
            ProblemEventKind.LINKED,
            actor=actor,
            at=at,
            new=f"#{new[0].pk} {new[0].subject}",
        )
    elif new:
        # One line for a batch (an inbox selection, a spike): the timeline stays readable.
        numbers = ", ".join(f"#{c.pk}" for c in new[:8]) + (", …" if len(new) > 8 else "")
        _event(
            problem,
            ProblemEventKind.LINKED,
            actor=actor,
            at=at,
            new=f"{len(new)} conversations ({numbers})",
        )
    return len(new)


def problem_link(
    *,
    problem: Problem,
    actor: User,
    conversations: Sequence[Conversation],
    at: datetime | None = None,
) -> int:
    """Link conversations the actor may work; returns how many were new. Any visible problem."""
    _require_staff(actor)
    if not problem_visible_to(user=actor).filter(pk=problem.pk).exists():
        from concord.common.errors import NotFound

        raise NotFound(f"Problem {problem.pk} not found.")
    with transaction.atomic():
        return _link(
            problem=problem, conversations=conversations, actor=actor, at=at or timezone.now()
        )


def problem_unlink(
    *, problem: Problem, actor: User, conversation: Conversation, at: datetime | None = None
) -> bool:
    _require_staff(actor)
    if not conversation_may_work(user=actor, conversation=conversation) and not (
        problem_may_manage(user=actor, problem=problem)
    ):
        raise NotAllowed(f"You cannot unlink conversation #{conversation.pk}.")
    moment = at or timezone.now()
    with transaction.atomic():
        deleted, _ = ProblemLink.objects.filter(
            problem_id=problem.pk, conversation_id=conversation.pk
        ).delete()
        if deleted:
            _event(
                problem,
                ProblemEventKind.UNLINKED,
                actor=actor,
                at=moment,
                old=f"#{conversation.pk} {conversation.subject}",
            )
    return bool(deleted)


def _votable(problem: Problem) -> None:
    if problem.kind != ProblemKind.FEATURE or not problem.portal_visible:
        from concord.common.errors import NotFound

        raise NotFound(f"Feature request {problem.pk} not found.")
    if problem.is_final:
        from concord.common.errors import Conflict

        raise Conflict(f"Voting on this request is closed: it is {problem.get_status_display()}.")


def problem_vote(*, problem: Problem, customer: Customer, at: datetime | None = None) -> bool:
    """The customer's vote for a feature request shown in the portal; False if already cast."""
    _votable(problem)
    try:
        with transaction.atomic():
            ProblemVote.objects.create(
                problem=problem, customer=customer, created_at=at or timezone.now()
            )
    except IntegrityError:
        return False
    return True


def problem_unvote(*, problem: Problem, customer: Customer) -> bool:
    _votable(problem)
    with transaction.atomic():
        deleted, _ = ProblemVote.objects.filter(
            problem_id=problem.pk, customer_id=customer.pk
        ).delete()
    return bool(deleted)
