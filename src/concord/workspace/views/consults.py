"""Consults in the workspace: ask from a conversation, answer in its thread, the team queue.

Who sees, answers or closes which consult is decided by the collaboration
selectors (``consult_get_for_user``, ``consult_rights``, and the
services' own checks); a consult the user may not see is a 404 like any
other missing page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from concord.accounts.models import User
from concord.accounts.selectors import staff_directory, team_get, user_get
from concord.channels.email.selectors import consult_delivery_states
from concord.collaboration.models import Consult
from concord.collaboration.selectors import (
    consult_get_for_user,
    consult_queue,
    consult_rights,
    consults_for_conversation,
)
from concord.collaboration.services import consult_close, consult_open, consult_reply
from concord.common.errors import NotFound, ServiceError
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_get_for_user
from concord.workspace.consult_forms import ConsultForm, ConsultReplyForm
from concord.workspace.forms import add_service_error
from concord.workspace.views._common import staff, staff_required


@dataclass(frozen=True)
class ConsultView:
    consult: Consult
    may_reply: bool
    may_close: bool
    answering: bool  # the viewer is among those asked: their reply is an answer
    overdue: bool
    due_soon: bool  # past the consult's warning time, not yet overdue
    delivery: str = ""  # an outside consult's latest email: its status, e.g. "sent"


def consult_panel(
    *,
    user: User,
    conversation: Conversation,
    may_work: bool,
    ask_form: ConsultForm,
) -> dict[str, Any]:
    """The conversation page's consults: each thread, and the form to ask."""
    now = timezone.now()
    consults = consults_for_conversation(user=user, conversation_id=conversation.pk)
    rights = consult_rights(user=user, consults=consults, may_work=may_work)
    emails = consult_delivery_states(consult_ids=[c.pk for c in consults if c.email])
    views = [
        ConsultView(
            consult=c,
            may_reply=r.may_reply,
            may_close=r.may_close,
            answering=r.asked,
            overdue=c.is_overdue(now=now),
            due_soon=c.is_due_soon(now=now),
            delivery=emails[c.pk].get_status_display() if c.pk in emails else "",
        )
        for c, r in zip(consults, rights, strict=True)
    ]
    return {
        "consults": views,
        "consult_form": ask_form if may_work else None,
        "reply_form": ConsultReplyForm(),
    }


def _conversation_page(consult: Consult) -> str:
    return reverse("workspace:conversation", args=[consult.conversation_id]) + (
        f"#consult-{consult.pk}"
    )


@staff_required
@require_POST
def consult_ask(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    try:
        conversation = conversation_get_for_user(user=user, conversation_id=pk, to_work=True)
    except NotFound:
        raise Http404("No such conversation, or not one you can see.") from None
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from None
    directory = staff_directory(actor=user)
    form = ConsultForm(
        request.POST,
        teams=dict(directory.teams),
        users={pk: name for pk, name, _role in directory.users},
    )
    if form.is_valid():
        data = form.cleaned_data
        due = timezone.now() + timedelta(seconds=data["due_in"]) if data["due_in"] else None
        team = team_get(actor=user, team_id=data["team"]) if data["team"] else None
        asked = user_get(actor=user, user_id=data["user"]) if data["user"] else None
        try:
            consult = consult_open(
                conversation=conversation,
                actor=user,
                team=team,
                user=asked,
                email=data["email"] or "",
                question=data["question"],
                due_at=due,
                hold=data["hold"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Asked {consult.asked_of}. You keep the conversation.")
            return HttpResponseRedirect(_conversation_page(consult))
    # Shown on the conversation page, with what was typed and what is wrong.
    from concord.workspace.views.conversation import render_conversation

    return render_conversation(request, conversation, consult_form=form)


def _consult(request: HttpRequest, pk: int) -> tuple[User, Consult]:
    user = staff(request)
    try:
        return user, consult_get_for_user(user=user, consult_id=pk)
    except NotFound:
        raise Http404("No such consult, or not one you can see.") from None


@staff_required
@require_POST
def consult_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user, consult = _consult(request, pk)
    form = ConsultReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write an answer first.")
        return HttpResponseRedirect(_conversation_page(consult))
    try:
        consult_reply(consult=consult, actor=user, body=form.cleaned_data["body"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Sent in the consult (internal).")
    return HttpResponseRedirect(_conversation_page(consult))


@staff_required
@require_POST
def consult_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    user, consult = _consult(request, pk)
    try:
        consult_close(consult=consult, actor=user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Consult with {consult.asked_of} closed.")
    return HttpResponseRedirect(_conversation_page(consult))


@staff_required
@require_GET
def consult_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A consult's link (in notifications) opens its thread on the conversation page."""
    _, consult = _consult(request, pk)
    return HttpResponseRedirect(_conversation_page(consult))


QUEUE_PAGE = 50


@staff_required
@require_GET
def consult_list(request: HttpRequest) -> HttpResponse:
    """ "Consults for my team": what was asked of me or my teams, oldest first."""
    user = staff(request)
    answered = request.GET.get("show") == "answered"
    # The oldest first, a page of them: the queue is worked from the top, and
    # rendering hundreds of rows is most of the page's time (bench/departments.py).
    queue = consult_queue(user=user, include_answered=answered)
    rows = list(queue[: QUEUE_PAGE + 1])
    more = len(rows) > QUEUE_PAGE
    rows = rows[:QUEUE_PAGE]
    now = timezone.now()
    return render(
        request,
        "workspace/consults.html",
        {
            "section": "consults",
            "rows": [(c, c.is_overdue(now=now), c.is_due_soon(now=now)) for c in rows],
            "answered": answered,
            "more": more,
        },
    )
