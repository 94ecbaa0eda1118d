"""Reads for consults, and the one place that says who may see, answer or close one.

A consult is visible to whoever may see its conversation, and to the team or
person it asks (a collaborator of another department sees the conversation
only through it). Not found and not allowed look the same.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from concord.accounts.models import SEE_ALL_ROLES, Team, User
from concord.accounts.selectors import user_team_ids
from concord.collaboration.models import Consult, ConsultStatus
from concord.common.errors import NotFound
from concord.conversations.selectors import conversation_may_work, conversation_visible_to


def consult_asks(user: User) -> Q:
    """A filter on consults: those that ask ``user``, by name or through a team they are in."""
    in_team = Team.members.through.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    return Q(user_id=user.pk) | Q(Exists(in_team))


def _asks(consult: Consult, *, user_id: int, team_ids: Collection[int]) -> bool:
    return consult.user_id == user_id or consult.team_id in team_ids


def consult_visible_to(*, user: User) -> QuerySet[Consult]:
    if not user.is_active or not user.is_staff_member:
        return Consult.objects.none()
    if user.role in SEE_ALL_ROLES:
        return Consult.objects.all()
    owners = conversation_visible_to(user=user).filter(pk=OuterRef("conversation_id"))
    return Consult.objects.filter(consult_asks(user) | Q(Exists(owners)))


def consult_get_for_user(*, user: User, consult_id: int) -> Consult:
    consult = (
        consult_visible_to(user=user)
        .select_related("conversation", "team", "user", "asked_by")
        .filter(pk=consult_id)
        .first()
    )
    if consult is None:
        raise NotFound(f"Consult {consult_id} not found.")
    return consult


def consult_is_asked_of(*, user: User, consult: Consult) -> bool:
    """Whether ``user`` is among those the consult asks (so their reply is an answer)."""
    return _asks(consult, user_id=user.pk, team_ids=user_team_ids(user=user))


def consult_people_asked(*, consult: Consult, besides: User | None = None) -> list[User]:
    """Who a consult asks: the named person, else the team's active members (none outside)."""
    if consult.user is not None:
        people = [consult.user]
    elif consult.team is not None:
        people = list(consult.team.members.filter(is_active=True))
    else:  # an outside address: it is emailed (by the email channel), nobody here is told
        people = []
    return [person for person in people if person != besides]


def consult_may_reply(*, user: User, consult: Consult) -> bool:
    """Those asked answer; the conversation's workers may follow up."""
    if not user.is_active or consult.status == ConsultStatus.CLOSED:
        return False
    return consult_is_asked_of(user=user, consult=consult) or consult_may_close(
        user=user, consult=consult
    )


def consult_may_close(*, user: User, consult: Consult) -> bool:
    """The owner's side closes a consult: whoever may work its conversation.

    Not whoever may read it: an agent of a consulted team reads the
    conversation, but neither closes nor follows up on its consults.
    """
    return conversation_may_work(user=user, conversation=consult.conversation)


@dataclass(frozen=True)
class ConsultRights:
    asked: bool  # among those asked: a reply is an answer
    may_reply: bool
    may_close: bool


def consult_rights(
    *, user: User, consults: Sequence[Consult], may_work: bool
) -> list[ConsultRights]:
    """What ``user`` may do with each consult of one conversation (one query; none if none).

    ``may_work``: whether the user may work that conversation
    (``conversation_may_work``), which the page has already asked.
    """
    team_ids = set(user_team_ids(user=user)) if consults else set()
    rights = []
    for consult in consults:
        open_ = user.is_active and consult.status != ConsultStatus.CLOSED
        asked = _asks(consult, user_id=user.pk, team_ids=team_ids)
        rights.append(
            ConsultRights(
                asked=asked, may_reply=open_ and (asked or may_work), may_close=open_ and may_work
            )
        )
    return rights


def consults_for_conversation(*, user: User, conversation_id: int) -> list[Consult]:
    """The conversation's consults ``user`` may see, with their threads, oldest first."""
    return list(
        consult_visible_to(user=user)
        .filter(conversation_id=conversation_id)
        .select_related("team", "user", "asked_by")
        .prefetch_related("replies__author")
        .order_by("created_at", "id")
    )


def consult_queue(*, user: User, include_answered: bool = False) -> QuerySet[Consult]:
    """ "Consults for my team": those asking the user or their teams, open first, oldest first."""
    wanted = [ConsultStatus.OPEN] + ([ConsultStatus.ANSWERED] if include_answered else [])
    return (
        Consult.objects.filter(consult_asks(user), status__in=wanted)
        .select_related("conversation", "conversation__customer", "team", "user", "asked_by")
        .order_by("created_at", "id")
    )


def consult_open_count(*, user: User) -> int:
    return consult_queue(user=user).count()


def consulted_conversation_ids(*, user: User) -> QuerySet[Consult, int]:
    """Conversation ids consulted to ``user`` or their teams (any status)."""
    return Consult.objects.filter(consult_asks(user)).values_list("conversation_id", flat=True)


def consult_portal_lines(*, conversation_id: int) -> list[str]:
    """What the customer sees while a consult is open: "The Billing team is checking this".

    A team marked internal is never named; one line per team, in the order asked.
    """
    lines: list[str] = []
    open_consults = Consult.objects.filter(
        conversation_id=conversation_id, status=ConsultStatus.OPEN, team__isnull=False
    ).select_related("team")
    for consult in open_consults.order_by("created_at", "id"):
        team = consult.team
        if team is None or team.consult_hidden:
            continue
        line = (team.consult_notice or DEFAULT_NOTICE).replace("{team}", team.name)
        if line not in lines:
            lines.append(line)
    return lines


DEFAULT_NOTICE = "The {team} team is checking this for you."


@dataclass(frozen=True)
class ConsultFacts:
    """A conversation's consults as rules see them: who is asked, by team slug or username."""

    open: frozenset[str]  # consults not closed
    overdue: frozenset[str]  # of those, past the first-answer due time without an answer


def consult_facts(*, conversation_id: int, now: datetime) -> ConsultFacts:
    """What automation conditions look at (one query)."""
    rows = Consult.objects.filter(conversation_id=conversation_id).exclude(
        status=ConsultStatus.CLOSED
    )
    open_: set[str] = set()
    overdue: set[str] = set()
    for slug, username, due_at, first_answer_at in rows.values_list(
        "team__slug", "user__username", "due_at", "first_answer_at"
    ):
        names = {name.lower() for name in (slug, username) if name}
        open_ |= names
        if due_at is not None and first_answer_at is None and due_at < now:
            overdue |= names
    return ConsultFacts(open=frozenset(open_), overdue=frozenset(overdue))


def consult_open_to_team(*, conversation_id: int, team_id: int) -> Consult | None:
    """The conversation's consult to ``team_id`` that is not closed yet, if any."""
    return (
        Consult.objects.filter(conversation_id=conversation_id, team_id=team_id)
        .exclude(status=ConsultStatus.CLOSED)
        .order_by("created_at", "id")
        .first()
    )
