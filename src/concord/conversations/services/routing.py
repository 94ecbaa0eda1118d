"""Who works a conversation (assignee, team) and how it is labelled (tags)."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction

from concord.accounts.models import Team, User
from concord.common.errors import Conflict, ValidationFailed
from concord.conversations.models import Conversation, EventKind, Status, Tag
from concord.conversations.services._common import (
    WORKING_ROLES,
    lock,
    record,
    require_worker,
    touch,
    when,
)

_TAG = re.compile(r"^[a-z0-9][a-z0-9_\-:.]{0,49}$")
_MAX_TAGS_PER_CALL = 50


class _Unset:
    """Marks an argument that was not given, as distinct from an explicit None."""


UNSET = _Unset()


def normalize_tag(name: str) -> str:
    tag = "-".join(name.strip().lower().split())
    if not _TAG.match(tag):
        raise ValidationFailed(
            f"{name!r} is not a valid tag: use letters, digits, '-', '_', ':' or '.', "
            "at most 50 characters.",
            field="tags",
        )
    return tag


def check_assignment(*, team: Team | None, assignee: User | None) -> None:
    if assignee is not None:
        if assignee.role not in WORKING_ROLES or not assignee.is_active:
            raise ValidationFailed(
                f"{assignee.username} cannot be assigned conversations.", field="assignee"
            )
        if team is not None and not team.members.filter(pk=assignee.pk).exists():
            raise ValidationFailed(
                f"{assignee.username} is not a member of the team {team.name}.", field="assignee"
            )


def conversation_assign(
    *,
    conversation: Conversation,
    actor: User,
    assignee: User | _Unset | None = UNSET,
    team: Team | _Unset | None = UNSET,
    at: datetime | None = None,
) -> Conversation:
    """Set the assignee and/or the team; None clears, an omitted argument is kept."""
    require_worker(actor)
    moment = when(at)
    with transaction.atomic():
        conversation = lock(conversation)
        _check_workable(conversation)
        new_team = conversation.team if isinstance(team, _Unset) else team
        new_assignee = conversation.assignee if isinstance(assignee, _Unset) else assignee
        check_assignment(team=new_team, assignee=new_assignee)
        fields: list[str] = []
        if new_team != conversation.team:
            record(
                conversation,
                EventKind.TEAM_CHANGED,
                at=moment,
                actor=actor,
                old=conversation.team,
                new=new_team,
            )
            conversation.team = new_team
            fields.append("team")
        if new_assignee != conversation.assignee:
            record(
                conversation,
                EventKind.ASSIGNED,
                at=moment,
                actor=actor,
                old=conversation.assignee,
                new=new_assignee,
            )
            conversation.assignee = new_assignee
            fields.append("assignee")
        if fields:
            touch(conversation, moment, fields)
    return conversation


def _check_workable(conversation: Conversation) -> None:
    if conversation.merged_into_id is not None:
        raise Conflict("This conversation was merged into another one.", field="conversation")
    if conversation.status == Status.CLOSED:
        raise Conflict("This conversation is closed.", field="conversation")


def apply_tags(
    *, conversation: Conversation, names: list[str], actor: User | None, at: datetime, add: bool
) -> list[str]:
    """Add or remove tags inside the caller's transaction; returns the changed tag names."""
    if len(names) > _MAX_TAGS_PER_CALL:
        raise ValidationFailed(f"At most {_MAX_TAGS_PER_CALL} tags at once.", field="tags")
    wanted = sorted({normalize_tag(name) for name in names})
    current = set(conversation.tags.values_list("name", flat=True))
    if add:
        changed = [name for name in wanted if name not in current]
        for name in changed:
            tag, _ = Tag.objects.get_or_create(name=name)
            conversation.tags.add(tag)
            record(conversation, EventKind.TAG_ADDED, at=at, actor=actor, new=name)
    else:
        changed = [name for name in wanted if name in current]
        if changed:
            conversation.tags.remove(*Tag.objects.filter(name__in=changed))
        for name in changed:
            record(conversation, EventKind.TAG_REMOVED, at=at, actor=actor, old=name)
    return changed


def conversation_tag(
    *, conversation: Conversation, actor: User, tags: list[str], at: datetime | None = None
) -> list[str]:
    """Add tags; returns those that were not there before."""
    return _retag(conversation=conversation, actor=actor, tags=tags, at=at, add=True)


def conversation_untag(
    *, conversation: Conversation, actor: User, tags: list[str], at: datetime | None = None
) -> list[str]:
    """Remove tags; returns those that were there."""
    return _retag(conversation=conversation, actor=actor, tags=tags, at=at, add=False)


def _retag(
    *, conversation: Conversation, actor: User, tags: list[str], at: datetime | None, add: bool
) -> list[str]:
    require_worker(actor)
    if not tags:
        raise ValidationFailed("Name at least one tag.", field="tags")
    moment = when(at)
    with transaction.atomic():
        conversation = lock(conversation)
        _check_workable(conversation)
        changed = apply_tags(conversation=conversation, names=tags, actor=actor, at=moment, add=add)
        if changed:
            touch(conversation, moment, [])
    return changed
