"""API for problems and feature requests: the list, one with its impact, one endpoint per change.

Every problem is fetched through ``problem_get_for_user``, so one the caller
may not read (another department's, for a collaborator; any, for a customer)
answers 404 whether it exists or not. A change the caller may not make to one
they can read answers 403, from the services.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from concord.accounts.models import Team, User
from concord.accounts.selectors import team_get
from concord.api.auth import current_user
from concord.api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut
from concord.common.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_get_for_user, conversation_visible_to
from concord.problems.announce import (
    announcement_preview,
    announcement_start,
    default_body,
)
from concord.problems.models import Announcement, Problem
from concord.problems.schemas import (
    AnnouncementIn,
    AnnouncementOut,
    LinksChanged,
    LinksIn,
    PreviewIn,
    PreviewOut,
    ProblemDetail,
    ProblemFiltersIn,
    ProblemIn,
    ProblemPatchIn,
    ProblemRow,
    ProblemStatusIn,
)
from concord.problems.selectors import (
    announcement_latest,
    announcement_progress,
    problem_get_for_user,
    problem_impact,
    problem_linked_conversations,
    problem_list,
    problem_may_manage,
)
from concord.problems.services import (
    problem_create,
    problem_link,
    problem_set_status,
    problem_unlink,
    problem_update,
)

router = Router(tags=["problems"])


# ---- serialising -----------------------------------------------------------


def _row(problem: Problem, *, conversations: int, customers: int, votes: int) -> dict[str, Any]:
    return {
        "id": problem.pk,
        "kind": problem.kind,
        "title": problem.title,
        "status": problem.status,
        "team": {"id": problem.team.pk, "name": problem.team.name},
        "public_note": problem.public_note,
        "eta": problem.eta,
        "portal_visible": problem.portal_visible,
        "created_at": problem.created_at,
        "updated_at": problem.updated_at,
        "closed_at": problem.closed_at,
        "conversation_count": conversations,
        "customer_count": customers,
        "vote_count": votes,
    }


def row_data(problem: Problem) -> dict[str, Any]:
    """A list row; the counts are problem_list's annotations."""
    counts: dict[str, int] = {
        "conversations": problem.link_count,  # type: ignore[attr-defined]
        "customers": problem.customer_count,  # type: ignore[attr-defined]
        "votes": problem.vote_count,  # type: ignore[attr-defined]
    }
    return _row(problem, **counts)


def _counts(pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"name": name, "count": count} for name, count in pairs]


def _linked(conversation: Conversation) -> dict[str, Any]:
    customer = conversation.customer
    return {
        "id": conversation.pk,
        "subject": conversation.subject,
        "status": conversation.status,
        "customer": {"id": customer.pk, "name": customer.name},
    }


def detail_data(user: User, problem: Problem) -> dict[str, Any]:
    impact = problem_impact(problem=problem)
    creator = problem.created_by
    return {
        **_row(
            problem,
            conversations=impact.conversations,
            customers=impact.customers,
            votes=impact.votes,
        ),
        "description": problem.description,
        "created_by": {"id": creator.pk, "username": creator.username},
        "may_manage": problem_may_manage(user=user, problem=problem),
        "impact": {
            "conversations": impact.conversations,
            "open_conversations": impact.open_conversations,
            "customers": impact.customers,
            "votes": impact.votes,
            "by_channel": _counts(impact.by_channel),
            "by_tier": _counts(impact.by_tier),
            "organizations": _counts(impact.organizations),
        },
        "conversations": [
            _linked(c) for c in problem_linked_conversations(user=user, problem=problem)
        ],
    }


def announcement_data(announcement: Announcement) -> dict[str, Any]:
    progress = announcement_progress(announcement=announcement)
    actor = announcement.actor
    return {
        "id": announcement.pk,
        "problem_id": announcement.problem_id,
        "status": announcement.status,
        "body": announcement.body,
        "solve_linked": announcement.solve_linked,
        "actor": {"id": actor.pk, "username": actor.username},
        "created_at": announcement.created_at,
        "finished_at": announcement.finished_at,
        "progress": {
            "total": progress.total,
            "sent": progress.sent,
            "opted_out": progress.opted_out,
            "skipped": progress.skipped,
            "pending": progress.pending,
            "done": progress.done,
        },
    }


# ---- lookups -----------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    user = current_user(request)
    if not user.is_staff_member:
        raise NotAllowed("Problems and feature requests are for staff.")
    return user


def _team(user: User, team_id: int) -> Team:
    team = team_get(actor=user, team_id=team_id)
    if team is None:
        raise NotFound(f"Team {team_id} not found.", field="team_id")
    return team


def _conversations(user: User, ids: list[int]) -> list[Conversation]:
    """The conversations named, all visible to ``user`` (one query), in the order given."""
    found = {c.pk: c for c in conversation_visible_to(user=user).filter(pk__in=set(ids))}
    for index, pk in enumerate(ids):
        if pk not in found:
            raise NotFound(f"Conversation {pk} not found.", field=f"conversation_ids.{index}")
    return [found[pk] for pk in ids]


def _problem(request: HttpRequest, problem_id: int) -> tuple[User, Problem]:
    user = current_user(request)
    return user, problem_get_for_user(user=user, problem_id=problem_id)


# ---- operations --------------------------------------------------------------


@router.get("/problems", response={200: list[ProblemRow], 403: ErrorOut, **READ_ERRORS})
def list_problems(request: HttpRequest, params: Query[ProblemFiltersIn]) -> list[dict[str, Any]]:
    """Problems and feature requests the caller may read, newest first, with their counts."""
    user = _staff(request)
    rows = problem_list(
        user=user,
        kind=params.kind,
        status=params.status,
        open_only=params.open,
        search=params.q,
    )
    return [row_data(p) for p in rows[: params.limit]]


@router.post("/problems", response={201: ProblemDetail, **WRITE_ERRORS})
def create_problem(request: HttpRequest, payload: ProblemIn) -> Status[dict[str, Any]]:
    """A new problem or feature request, owned by ``team_id``, linked to conversations at once."""
    user = _staff(request)
    team = _team(user, payload.team_id)
    conversations = _conversations(user, payload.conversation_ids)
    problem = problem_create(
        actor=user,
        title=payload.title,
        team=team,
        kind=payload.kind,
        description=payload.description,
        public_note=payload.public_note,
        eta=payload.eta,
        portal_visible=payload.portal_visible,
        conversations=conversations,
    )
    # The answer is what was saved: a collaborator who files it for another
    # department does not read it afterwards, but did write it.
    return Status(201, detail_data(user, problem))


@router.get("/problems/{problem_id}", response={200: ProblemDetail, **READ_ERRORS})
def get_problem(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    user, problem = _problem(request, problem_id)
    return detail_data(user, problem)


@router.patch("/problems/{problem_id}", response={200: ProblemDetail, **WRITE_ERRORS})
def update_problem(
    request: HttpRequest, problem_id: int, payload: ProblemPatchIn
) -> dict[str, Any]:
    user, problem = _problem(request, problem_id)
    sent = payload.model_fields_set
    team = _team(user, payload.team_id) if "team_id" in sent else None
    problem_update(
        problem=problem,
        actor=user,
        title=payload.title,
        description=payload.description,
        public_note=payload.public_note,
        eta=payload.eta,
        clear_eta="eta" in sent and payload.eta is None,
        team=team,
        portal_visible=payload.portal_visible,
    )
    # As saved: handing it to another department may take it out of the caller's sight.
    return detail_data(user, problem)


@router.post("/problems/{problem_id}/status", response={200: ProblemDetail, **WRITE_ERRORS})
def set_status(request: HttpRequest, problem_id: int, payload: ProblemStatusIn) -> dict[str, Any]:
    """Move it along its kind's statuses; telling customers is a separate announcement."""
    user, problem = _problem(request, problem_id)
    try:
        problem_set_status(problem=problem, actor=user, status=payload.status)
    except ValidationFailed as error:
        if error.field != "status":
            raise
        # Every status is in the document; which fit depends on the stored kind,
        # so the other kind's status conflicts with the problem's state (as a
        # conversation's new → closed does) rather than being malformed input.
        raise Conflict(error.message, field="status") from None
    return detail_data(user, problem)


@router.post("/problems/{problem_id}/links", response={200: LinksChanged, **WRITE_ERRORS})
def link(request: HttpRequest, problem_id: int, payload: LinksIn) -> dict[str, Any]:
    """Link conversations the caller may work; ``changed`` counts those not linked before."""
    user, problem = _problem(request, problem_id)
    conversations = _conversations(user, payload.conversation_ids)
    added = problem_link(problem=problem, actor=user, conversations=conversations)
    return {"changed": added, "problem": detail_data(user, problem)}


@router.delete(
    "/problems/{problem_id}/links/{conversation_id}",
    response={200: LinksChanged, **WRITE_ERRORS},
)
def unlink(request: HttpRequest, problem_id: int, conversation_id: int) -> dict[str, Any]:
    """Unlink one conversation; ``changed`` is 0 if it was not linked."""
    user, problem = _problem(request, problem_id)
    conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
    removed = problem_unlink(problem=problem, actor=user, conversation=conversation)
    return {"changed": int(removed), "problem": detail_data(user, problem)}


@router.post("/problems/{problem_id}/preview", response={200: PreviewOut, **WRITE_ERRORS})
def preview(request: HttpRequest, problem_id: int, payload: PreviewIn) -> dict[str, Any]:
    """Who an announcement would reach, and the message as the first of them reads it."""
    user, problem = _problem(request, problem_id)
    found = announcement_preview(
        problem=problem, actor=user, body=payload.body or default_body(problem=problem)
    )
    return {
        "customers": found.customers,
        "opted_out": found.opted_out,
        "erased": found.erased,
        "to_tell": found.to_tell,
        "sample": found.sample,
        "sample_to": found.sample_to,
    }


@router.post(
    "/problems/{problem_id}/announcements", response={201: AnnouncementOut, **WRITE_ERRORS}
)
def announce(
    request: HttpRequest, problem_id: int, payload: AnnouncementIn
) -> Status[dict[str, Any]]:
    """Tell every linked customer and voter once, in the background; poll the GET for progress."""
    user, problem = _problem(request, problem_id)
    body = payload.body or default_body(problem=problem)
    # The preview runs the service's own checks in their order (may manage: 403;
    # the template: 422) and counts the audience: nobody to tell yet is the
    # problem's state (409), which no request body can fix.
    if announcement_preview(problem=problem, actor=user, body=body).customers == 0:
        raise Conflict("No customer is linked to this or voted for it yet.", field="body")
    started = announcement_start(
        problem=problem, actor=user, body=body, solve_linked=payload.solve_linked
    )
    return Status(201, announcement_data(started))


@router.get("/problems/{problem_id}/announcements", response={200: AnnouncementOut, **READ_ERRORS})
def latest_announcement(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    """The latest announcement and how far it got (404 if there is none yet)."""
    _, problem = _problem(request, problem_id)
    latest = announcement_latest(problem=problem)
    if latest is None:
        raise NotFound(f"Problem {problem_id} has no announcement yet.")
    return announcement_data(latest)
