"""The inbox: views with counts, filters, sorting, live refresh and bulk actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from concord.accounts.models import Role, Team, User
from concord.accounts.selectors import staff_directory, team_list, user_list
from concord.common.errors import NotFound, ServiceError, ValidationFailed
from concord.conversations import services
from concord.conversations.models import Conversation
from concord.conversations.selectors import (
    INBOX_VIEWS,
    ConversationFilters,
    conversation_get_for_user,
    conversation_inbox,
    tag_names,
)
from concord.customers.selectors import customer_get_for_user
from concord.workspace.counts import inbox_counts
from concord.workspace.forms import (
    BulkForm,
    InboxFilterForm,
    assignment_choices,
    parse_assignment,
)
from concord.workspace.views._common import safe_next, staff, staff_required

PAGE_SIZE = 50
# Without a chosen view the inbox opens on the first of these that holds work,
# so nobody lands on an empty "My open" while their team's queue is full.
LANDING_VIEWS = ("mine", "my_teams", "unassigned", "unsolved", "all")


@staff_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if user.role == Role.COLLABORATOR:
        # A collaborator works no queue of their own: what waits on them is consults.
        return redirect("workspace:consults")
    # The live refresh (an htmx request) only needs the rows and counts.
    partial = bool(getattr(request, "htmx", False))
    directory = staff_directory(actor=user)
    form = InboxFilterForm(request.GET, teams=directory.teams)
    form.is_valid()  # a bad filter is shown and ignored; the valid ones still apply
    data: dict[str, Any] = form.cleaned_data
    counts = inbox_counts(user=user)
    view = data.get("view") or next((key for key in LANDING_VIEWS if counts[key]), LANDING_VIEWS[0])
    oldest_first = data.get("sort") == "oldest"
    due_soonest = data.get("sort") == "due"
    filters = ConversationFilters(
        channel=data.get("channel") or None,
        priority=data.get("priority") or None,
        tag=data.get("tag") or None,
        team_id=data.get("team"),
        customer_id=data.get("customer"),
    )
    try:
        page = conversation_inbox(
            user=user,
            view=view,
            filters=filters,
            oldest_first=oldest_first,
            due_soonest=due_soonest,
            cursor=data.get("cursor") or None,
            limit=PAGE_SIZE,
        )
    except ValidationFailed as exc:
        # Only the cursor can be refused here: start again from the top.
        form.add_error(None, exc.message)
        page = conversation_inbox(
            user=user,
            view=view,
            filters=filters,
            oldest_first=oldest_first,
            due_soonest=due_soonest,
            limit=PAGE_SIZE,
        )
    context: dict[str, Any] = {
        "form": form,
        "view": view,
        "view_label": INBOX_VIEWS[view],
        "section": "inbox",
        "views": [(key, label, counts[key]) for key, label in INBOX_VIEWS.items()],
        "page": page,
        # Rows link to conversation_url + id + "/": reversing a URL per row
        # costs more than the rest of the row.
        "conversation_url": reverse("workspace:conversation", args=[0]).removesuffix("0/"),
        "filtered": any(data.get(k) for k in ("channel", "priority", "tag", "team", "customer")),
        "waiting_only": oldest_first,
    }
    if partial:
        return render(request, "workspace/_inbox_list.html", {**context, "oob": True})
    customer_id = data.get("customer")
    context.update(
        customer=customer_get_for_user(user=user, customer_id=customer_id) if customer_id else None,
        tag_names=tag_names(),
        bulk_form=BulkForm(
            assignment=assignment_choices(directory=directory),
            initial={"next": request.get_full_path()},
        ),
    )
    return render(request, "workspace/inbox.html", context)


@staff_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to each selected conversation, each through its service.

    A row that fails (closed, merged, no longer visible) is reported and skipped;
    the others still change.
    """
    user = staff(request)
    teams = {t.pk: t for t in team_list(actor=user)}
    users = {u.pk: u for u in user_list(actor=user)}
    form = BulkForm(
        request.POST, assignment=assignment_choices(directory=staff_directory(actor=user))
    )
    back = safe_next(request, request.POST.get("next"), reverse("workspace:inbox"))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else None
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect(back)
    data = form.cleaned_data
    done: list[int] = []
    for pk in data["ids"]:
        try:
            conversation = conversation_get_for_user(user=user, conversation_id=pk, to_work=True)
            _apply(user, conversation, data, teams=teams, users=users)
        except ServiceError as exc:
            messages.error(request, f"#{pk}: {exc.message}")
        else:
            done.append(pk)
    if done:
        noun = "conversation" if len(done) == 1 else "conversations"
        messages.success(request, f"Updated {len(done)} {noun}.")
    return redirect(back)


def _apply(
    user: User,
    conversation: Conversation,
    data: dict[str, Any],
    *,
    teams: dict[int, Team],
    users: dict[int, User],
) -> None:
    action = data["action"]
    if action == "assign":
        team_id, user_id = parse_assignment(data["assignment"])
        team = teams.get(team_id) if team_id else None
        assignee = users.get(user_id) if user_id else None
        if (team_id and team is None) or (user_id and assignee is None):
            raise NotFound("That team or agent no longer exists.")
        services.conversation_assign(
            conversation=conversation, actor=user, team=team, assignee=assignee
        )
    elif action == "status":
        services.conversation_set_status(
            conversation=conversation, actor=user, status=data["status"]
        )
    elif action == "tag":
        services.conversation_tag(conversation=conversation, actor=user, tags=[data["tag"]])
