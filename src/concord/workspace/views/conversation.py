"""The conversation page: timeline, composer, properties, merge and collision warnings.

Every change posts to its own URL, goes through one service, and redirects back
(post/redirect/get). A service's refusal re-renders the page with the error on
the form that caused it, keeping what the agent typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.views.decorators.http import require_GET, require_POST

from concord.accounts.models import User
from concord.accounts.selectors import staff_directory, team_get, user_get
from concord.channels.email.selectors import delivery_states, inbound_notes
from concord.channels.phone.selectors import calls_for_conversation
from concord.common.errors import NotFound, ServiceError
from concord.conversations import services
from concord.conversations.models import Channel, Conversation, Direction, Status
from concord.conversations.selectors import (
    conversation_get_for_user,
    conversation_may_work,
    conversation_recent_for_customer,
    event_list,
    message_list,
    tag_names,
)
from concord.customers.selectors import customer_get_for_user
from concord.problems.selectors import problem_panel
from concord.sla.selectors import TargetView, sla_targets_for
from concord.surveys.selectors import survey_history_for_customer
from concord.workspace import forms as wf
from concord.workspace.consult_forms import ConsultForm
from concord.workspace.presence import presence_report
from concord.workspace.timeline import MESSAGE_EVENTS, build_timeline
from concord.workspace.views._common import staff, staff_required
from concord.workspace.views.consults import consult_panel

HISTORY_LIMIT = 20


def _visible(user: User, pk: int) -> Conversation:
    try:
        return conversation_get_for_user(user=user, conversation_id=pk)
    except NotFound:
        raise Http404("No such conversation, or not one you can see.") from None


class _Staff:
    """The teams and staff a page offers in its pickers and names in its timeline.

    Loaded once per request, as plain values (``staff_directory``): building a
    model object per agent and per membership was a third of the page's time.
    """

    def __init__(self, user: User) -> None:
        directory = staff_directory(actor=user)
        self.teams: dict[int, str] = dict(directory.teams)
        self.users: dict[int, str] = {pk: name for pk, name, _role in directory.users}
        self.choices = wf.assignment_choices(directory=directory)


def _render(
    request: HttpRequest,
    conversation: Conversation,
    *,
    people: _Staff | None = None,
    **bound: forms.Form,
) -> HttpResponse:
    user = staff(request)
    people = people or _Staff(user)
    ask_form = bound.pop("consult_form", None)
    message_rows = list(message_list(user=user, conversation=conversation, with_attachments=True))
    timeline = build_timeline(
        messages=message_rows,
        events=event_list(user=user, conversation=conversation, exclude_kinds=MESSAGE_EVENTS),
        users=people.users,
        teams=people.teams,
        deliveries=delivery_states(
            message_ids=[m.pk for m in message_rows if m.direction == Direction.OUTBOUND]
        )
        if conversation.channel in (Channel.EMAIL, Channel.WEB)
        else None,
        mail_notes=inbound_notes(
            message_ids=[
                m.pk
                for m in message_rows
                if m.direction == Direction.INBOUND and m.channel == Channel.EMAIL
            ]
        ),
    )
    tags = [t.name for t in conversation.tags.all()]
    may_work = conversation_may_work(user=user, conversation=conversation)
    linked_problems, open_problems = problem_panel(
        user=user, conversation=conversation, with_choices=may_work
    )
    page_forms: dict[str, forms.Form] = {
        "message_form": wf.MessageForm(),
        "assign_form": wf.AssignForm(
            assignment=people.choices,
            initial={
                "assignment": wf.assignment_value(conversation.team_id, conversation.assignee_id)
            },
        ),
        "status_form": wf.StatusForm(initial={"status": conversation.status}),
        "priority_form": wf.PriorityForm(initial={"priority": conversation.priority}),
        "tag_form": wf.TagForm(),
        "merge_form": wf.MergeForm(),
        **bound,
    }
    context: dict[str, Any] = {
        "section": "inbox",
        "conversation": conversation,
        "timeline": timeline,
        "tags": tags,
        "tag_names": tag_names(),
        "customer": customer_get_for_user(user=user, customer_id=conversation.customer_id),
        "history": conversation_recent_for_customer(
            user=user, customer=conversation.customer, limit=HISTORY_LIMIT
        ),
        "history_limit": HISTORY_LIMIT,
        # The agent sees how this customer rated us lately, before answering.
        "ratings": survey_history_for_customer(
            user=user, customer_id=conversation.customer_id, limit=3
        ),
        # History rows link to conversation_url + id + "/" (see the inbox view).
        "conversation_url": reverse("workspace:conversation", args=[0]).removesuffix("0/"),
        "calls": calls_for_conversation(user=user, conversation=conversation),
        "sla": _sla_lines(sla_targets_for(conversation_id=conversation.pk), now=timezone.now()),
        "can_work": may_work,
        "locked": conversation.status == Status.CLOSED or conversation.merged_into_id is not None,
        "linked_problems": linked_problems,
        "open_problems": open_problems,
        **consult_panel(
            user=user,
            conversation=conversation,
            may_work=may_work,
            ask_form=(
                ask_form
                if isinstance(ask_form, ConsultForm)
                else ConsultForm(teams=people.teams, users=people.users)
            ),
        ),
        **page_forms,
    }
    return render(request, "workspace/conversation.html", context)


def render_conversation(
    request: HttpRequest, conversation: Conversation, **bound: forms.Form
) -> HttpResponse:
    """The conversation page with some of its forms bound (for other views' errors)."""
    return _render(request, conversation, people=None, **bound)


@dataclass(frozen=True)
class SlaLine:
    label: str
    state: str  # running, paused, breached
    text: str  # "due in 2 hours", "breached 5 minutes ago", "paused"
    due_at: datetime | None


def _sla_lines(targets: list[TargetView], *, now: datetime) -> list[SlaLine]:
    """The clocks an agent acts on: running, paused and breached ones (met ones are history)."""
    lines = []
    for target in targets:
        state, due = target.state, target.due_at
        if state == "met":
            continue
        if state == "breached":
            text = (
                "breached"
                if target.achieved_at or due is None
                else (f"breached, due {timesince(due, now, depth=1)} ago")
            )
        elif state == "paused" or due is None:
            text = "paused"
        elif due <= now:
            text = "overdue"  # the sweep writes the breach within seconds
        else:
            text = f"due in {timeuntil(due, now, depth=1)}"
        lines.append(SlaLine(label=target.label, state=state, text=text, due_at=due))
    return lines


@staff_required
@require_GET
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _visible(staff(request), pk))


# An action gets the actor, the conversation and the form's clean data, and
# answers with a success message (then back to the page) or its own response.
Action = Callable[[User, Conversation, dict[str, Any]], "str | HttpResponse"]


def _handle(
    request: HttpRequest,
    pk: int,
    *,
    form_name: str,
    form: forms.Form,
    action: Action,
    people: _Staff | None = None,
) -> HttpResponse:
    user = staff(request)
    conversation = _visible(user, pk)
    if not conversation_may_work(user=user, conversation=conversation):
        # Readable through a consult (or read-only role): the page offers no
        # actions, and a hand-made request is refused the same way.
        raise PermissionDenied("Answer in the consult; the conversation's owner replies.")
    if form.is_valid():
        try:
            result = action(user, conversation, form.cleaned_data)
        except ServiceError as exc:
            wf.add_service_error(form, exc)
        else:
            if isinstance(result, HttpResponse):
                return result
            messages.success(request, result)
            return redirect("workspace:conversation", pk=conversation.pk)
        # The failed change may have been refused because the conversation
        # moved on meanwhile: show it as it is now.
        conversation = _visible(user, pk)
    return _render(request, conversation, people=people, **{form_name: form})


@staff_required
@require_POST
def post_message(request: HttpRequest, pk: int) -> HttpResponse:
    """A public reply (optionally moving the status) or an internal note."""

    def act(user: User, conversation: Conversation, data: dict[str, Any]) -> str:
        status = data["status"] or None
        if data["mode"] == "note":
            # One transaction, so a refused status change leaves no note behind
            # (the form comes back with the text, and sending again adds it once).
            with transaction.atomic():
                services.conversation_note(
                    conversation=conversation, actor=user, body_text=data["body"]
                )
                if status:
                    services.conversation_set_status(
                        conversation=conversation, actor=user, status=status
                    )
            return f"Note added; status {_label(status)}." if status else "Internal note added."
        services.conversation_reply(
            conversation=conversation, actor=user, body_text=data["body"], status=status
        )
        return "Reply sent." if not status else f"Reply sent; status set to {_label(status)}."

    form = wf.MessageForm(request.POST)
    return _handle(request, pk, form_name="message_form", form=form, action=act)


def _label(status: str) -> str:
    return str(dict(Status.choices).get(status, status))


@staff_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    people = _Staff(staff(request))

    def act(user: User, conversation: Conversation, data: dict[str, Any]) -> str | HttpResponse:
        team_id, user_id = wf.parse_assignment(data["assignment"])
        team = team_get(actor=user, team_id=team_id) if team_id else None
        assignee = user_get(actor=user, user_id=user_id) if user_id else None
        changed = services.conversation_assign(
            conversation=conversation, actor=user, team=team, assignee=assignee
        )
        who = " / ".join(str(x) for x in (changed.team, changed.assignee) if x) or "nobody"
        try:
            conversation_get_for_user(user=user, conversation_id=changed.pk)
        except NotFound:
            # Handed to a team the agent is not in: it has left their sight.
            messages.success(request, f"#{changed.pk} assigned to {who}; it left your queues.")
            return redirect("workspace:inbox")
        return f"Assigned to {who}."

    form = wf.AssignForm(request.POST, assignment=people.choices)
    return _handle(request, pk, form_name="assign_form", form=form, action=act, people=people)


@staff_required
@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    def act(user: User, conversation: Conversation, data: dict[str, Any]) -> str:
        services.conversation_set_status(
            conversation=conversation, actor=user, status=data["status"]
        )
        return f"Status set to {_label(data['status'])}."

    form = wf.StatusForm(request.POST)
    return _handle(request, pk, form_name="status_form", form=form, action=act)


@staff_required
@require_POST
def set_priority(request: HttpRequest, pk: int) -> HttpResponse:
    def act(user: User, conversation: Conversation, data: dict[str, Any]) -> str:
        services.conversation_set_priority(
            conversation=conversation, actor=user, priority=data["priority"]
        )
        return f"Priority set to {data['priority']}."

    form = wf.PriorityForm(request.POST)
    return _handle(request, pk, form_name="priority_form", form=form, action=act)


@staff_required
@require_POST
def add_tags(request: HttpRequest, pk: int) -> HttpResponse:
    def act(user: User, conversation: Conversation, data: dict[str, Any]) -> str:
        added = services.conversation_tag(conversation=conversation, actor=user, tags=data["tag"])
        return f"Tagged {', '.join(added)}." if added else "Those tags were already there."

    form = wf.TagForm(request.POST)
    return _handle(request, pk, form_name="tag_form", form=form, action=act)


@staff_required
@require_POST
def remove_tag(request: HttpRequest, pk: int) -> HttpResponse:
    def act(user: User, conversation: Conversation, data: dict[str, Any]) -> str:
        services.conversation_untag(conversation=conversation, actor=user, tags=[data["tag"]])
        return f"Removed tag {data['tag']}."

    # Errors on the hidden tag field show on the add-tag form, beside the tags.
    form = wf.UntagForm(request.POST)
    return _handle(request, pk, form_name="untag_form", form=form, action=act)


@staff_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    def act(user: User, conversation: Conversation, data: dict[str, Any]) -> HttpResponse:
        try:
            target = conversation_get_for_user(
                user=user, conversation_id=data["target"], to_work=True
            )
        except NotFound:
            raise NotFound(f"Conversation #{data['target']} not found.", field="target") from None
        services.conversation_merge(source=conversation, target=target, actor=user)
        messages.success(request, f"Merged #{conversation.pk} into this conversation.")
        return redirect("workspace:conversation", pk=target.pk)

    form = wf.MergeForm(request.POST)
    return _handle(request, pk, form_name="merge_form", form=form, action=act)


@staff_required
@require_POST
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every few seconds: record this agent, answer with who else is here."""
    user = staff(request)
    conversation = _visible(user, pk)
    form = wf.PresenceForm(request.POST)
    state = form.cleaned_data["state"] if form.is_valid() else "viewing"
    others = presence_report(conversation_id=conversation.pk, user=user, state=state)
    return render(
        request,
        "workspace/_presence.html",
        {"others": others, "replying": [p for p in others if p.state == "replying"]},
    )
