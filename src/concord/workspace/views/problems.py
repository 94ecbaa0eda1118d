"""Problems and feature requests in the workspace: list, create, the page, telling customers.

Who reads a problem is ``problems.selectors.problem_get_for_user`` (404
otherwise); who may change it and tell its customers is the services' own
check (``problem_may_manage``), shown here only to hide buttons.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.accounts.models import User
from concord.accounts.selectors import staff_directory, team_get
from concord.common.errors import NotFound, ServiceError
from concord.conversations.models import Conversation
from concord.conversations.selectors import conversation_get_for_user, conversation_worked_by
from concord.problems.announce import (
    PLACEHOLDERS,
    announcement_preview,
    announcement_start,
    default_body,
)
from concord.problems.models import STATUSES, AnnouncementStatus, Problem, ProblemKind
from concord.problems.selectors import (
    announcement_latest,
    announcement_progress,
    problem_events,
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
from concord.workspace.forms import add_service_error
from concord.workspace.problem_forms import AnnounceForm, LinkForm, ProblemForm, StatusForm
from concord.workspace.views._common import staff, staff_required


def _problem(user: User, pk: int) -> Problem:
    try:
        return problem_get_for_user(user=user, problem_id=pk)
    except NotFound:
        raise Http404("No such problem, or not one you can see.") from None


def _page(problem: Problem) -> str:
    return reverse("workspace:problem", args=[problem.pk])


def _workable(user: User, ids: list[int]) -> list[Conversation]:
    return list(conversation_worked_by(user=user).filter(pk__in=ids).order_by("pk"))


@staff_required
@require_GET
def problems_index(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    kind = request.GET.get("kind", ProblemKind.PROBLEM)
    if kind not in ProblemKind.values:
        kind = ProblemKind.PROBLEM
    show_all = request.GET.get("show") == "all"
    query = request.GET.get("q", "")[:200]
    rows = list(problem_list(user=user, kind=kind, open_only=not show_all, search=query)[:300])
    return render(
        request,
        "workspace/problems.html",
        {
            "section": "problems",
            "rows": rows,
            "kind": kind,
            "kinds": ProblemKind.choices,
            "show_all": show_all,
            "query": query,
        },
    )


def _teams(user: User) -> dict[int, str]:
    return dict(staff_directory(actor=user).teams)


@staff_required
@require_http_methods(["GET", "POST"])
def problem_new(request: HttpRequest) -> HttpResponse:
    """A new problem, from a conversation (?from=12), from an inbox selection, or blank."""
    user = staff(request)
    teams = _teams(user)
    source = request.POST if request.method == "POST" else request.GET
    ids = [int(v) for v in source.getlist("ids") if v.isdigit()][:1000]
    if source.get("from", "").isdigit():
        ids.append(int(source["from"]))
    selected = _workable(user, ids)
    if request.method == "POST" and request.POST.get("link_to", "").isdigit():
        problem = _problem(user, int(request.POST["link_to"]))
        try:
            added = problem_link(problem=problem, actor=user, conversations=selected)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Linked {added} conversation{'s' if added != 1 else ''}.")
        return HttpResponseRedirect(_page(problem))
    if request.method == "POST" and "title" in request.POST:
        form = ProblemForm(request.POST, teams=teams)
        if form.is_valid():
            data = form.cleaned_data
            team = team_get(actor=user, team_id=data["team"])
            try:
                if team is None:
                    raise NotFound("That department no longer exists.")
                problem = problem_create(
                    actor=user,
                    kind=data["kind"],
                    title=data["title"],
                    team=team,
                    description=data["description"],
                    public_note=data["public_note"],
                    eta=data["eta"],
                    portal_visible=data["portal_visible"],
                    conversations=selected,
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                linked = f" and linked {len(selected)}" if selected else ""
                messages.success(request, f"Created{linked}.")
                return HttpResponseRedirect(_page(problem))
    else:
        # No title from a customer's subject: it could carry their name or order.
        form = ProblemForm(teams=teams, initial={"kind": source.get("kind", ProblemKind.PROBLEM)})
    open_problems = list(problem_list(user=user, open_only=True)[:200]) if selected else []
    return render(
        request,
        "workspace/problem_new.html",
        {
            "section": "problems",
            "form": form,
            "selected": selected,
            "skipped": len(set(ids)) - len(selected),
            "open_problems": open_problems,
        },
    )


def _detail_context(user: User, problem: Problem, **forms: Any) -> dict[str, Any]:
    latest = announcement_latest(problem=problem)
    may_manage = problem_may_manage(user=user, problem=problem)
    return {
        "section": "problems",
        "problem": problem,
        "impact": problem_impact(problem=problem),
        "linked": problem_linked_conversations(user=user, problem=problem),
        "events": list(problem_events(problem=problem)),
        "may_manage": may_manage,
        "statuses": [(s, label) for s, label in _status_choices(problem)],
        "announcement": latest,
        "progress": announcement_progress(announcement=latest) if latest else None,
        "sending": latest is not None and latest.status == AnnouncementStatus.SENDING,
        "placeholders": PLACEHOLDERS,
        "edit_form": forms.get("edit_form")
        or ProblemForm(
            teams=_teams(user),
            initial={
                "kind": problem.kind,
                "title": problem.title,
                "team": problem.team_id,
                "description": problem.description,
                "public_note": problem.public_note,
                "eta": problem.eta,
                "portal_visible": problem.portal_visible,
            },
        ),
        "link_form": forms.get("link_form") or LinkForm(),
        "announce_form": forms.get("announce_form")
        or AnnounceForm(initial={"body": default_body(problem=problem), "solve_linked": True}),
        "preview": forms.get("preview"),
    }


def _status_choices(problem: Problem) -> list[tuple[str, str]]:
    from concord.problems.models import ProblemStatus

    return [(s, str(ProblemStatus(s).label)) for s in STATUSES[problem.kind]]


@staff_required
@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    problem = _problem(user, pk)
    return render(request, "workspace/problem_detail.html", _detail_context(user, problem))


@staff_required
@require_POST
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    problem = _problem(user, pk)
    form = ProblemForm(request.POST, teams=_teams(user))
    if form.is_valid():
        data = form.cleaned_data
        team = team_get(actor=user, team_id=data["team"])
        try:
            problem_update(
                problem=problem,
                actor=user,
                title=data["title"],
                description=data["description"],
                public_note=data["public_note"],
                eta=data["eta"],
                clear_eta=data["eta"] is None,
                team=team,
                portal_visible=data["portal_visible"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Saved.")
            return HttpResponseRedirect(_page(problem))
    context = _detail_context(user, problem, edit_form=form)
    return render(request, "workspace/problem_detail.html", context, status=400)


@staff_required
@require_POST
def problem_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    problem = _problem(user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            problem_set_status(problem=problem, actor=user, status=form.cleaned_data["status"])
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            note = (
                " Tell the customers below when the words are right."
                if problem.is_final and problem_impact(problem=problem).customers
                else ""
            )
            messages.success(request, f"Now {problem.get_status_display().lower()}.{note}")
    return HttpResponseRedirect(_page(problem) + ("#announce" if problem.is_final else ""))


@staff_required
@require_POST
def problem_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    problem = _problem(user, pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        ids = form.cleaned_data["conversations"]
        found = _workable(user, ids)
        missing = sorted(set(ids) - {c.pk for c in found})
        try:
            added = problem_link(problem=problem, actor=user, conversations=found)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Linked {added} conversation{'s' if added != 1 else ''}.")
            if missing:
                shown = ", ".join(f"#{i}" for i in missing[:10])
                messages.error(request, f"Not linked (not found or not yours to work): {shown}.")
        back = request.POST.get("back", "")
        if back.isdigit():
            return HttpResponseRedirect(reverse("workspace:conversation", args=[int(back)]))
        return HttpResponseRedirect(_page(problem))
    context = _detail_context(user, problem, link_form=form)
    return render(request, "workspace/problem_detail.html", context, status=400)


@staff_required
@require_POST
def problem_unlink_view(request: HttpRequest, pk: int, conversation_id: int) -> HttpResponse:
    user = staff(request)
    problem = _problem(user, pk)
    try:
        conversation = conversation_get_for_user(user=user, conversation_id=conversation_id)
        problem_unlink(problem=problem, actor=user, conversation=conversation)
    except NotFound:
        raise Http404("No such conversation.") from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Unlinked #{conversation_id}.")
    return HttpResponseRedirect(_page(problem))


@staff_required
@require_POST
def problem_announce(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview first (the count and one rendered message), then send on confirmation.

    The confirmation carries the count the person saw: if more customers were
    linked meanwhile, they see the new preview instead of sending blind.
    """
    user = staff(request)
    problem = _problem(user, pk)
    form = AnnounceForm(request.POST)
    preview = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            preview = announcement_preview(problem=problem, actor=user, body=data["body"])
            latest = announcement_latest(problem=problem)
            fresh = (data["seen"] or 0) == (latest.pk if latest is not None else 0)
            if data["confirm"] is not None and not fresh:
                messages.error(
                    request, "These customers were just told; look before sending again."
                )
                return HttpResponseRedirect(_page(problem) + "#announce")
            if data["confirm"] is not None and data["confirm"] == preview.customers:
                announcement_start(
                    problem=problem,
                    actor=user,
                    body=data["body"],
                    solve_linked=data["solve_linked"],
                )
                messages.success(request, f"Telling {preview.to_tell} customers in the background.")
                return HttpResponseRedirect(_page(problem) + "#announce")
        except ServiceError as exc:
            add_service_error(form, exc)
            preview = None
    context = _detail_context(user, problem, announce_form=form, preview=preview)
    return render(request, "workspace/problem_detail.html", context)


@staff_required
@require_GET
def problem_announce_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress line, polled by htmx while the announcement is being sent."""
    user = staff(request)
    problem = _problem(user, pk)
    latest = announcement_latest(problem=problem)
    sending = latest is not None and latest.status == AnnouncementStatus.SENDING
    response = render(
        request,
        "workspace/_announce_progress.html",
        {
            "problem": problem,
            "announcement": latest,
            "progress": announcement_progress(announcement=latest) if latest else None,
            "sending": sending,
        },
    )
    if not sending and getattr(request, "htmx", False):
        # Done: reload the page, whose conversations were solved and whose form is back.
        response["HX-Refresh"] = "true"
    return response


@staff_required
@require_GET
def problem_demand(request: HttpRequest) -> HttpResponse:
    """Feature requests for product teams: by votes, by revenue asking, by trend."""
    from concord.problems.demand import feature_demand

    user = staff(request)
    order = request.GET.get("order", "votes")
    if order not in ("votes", "revenue", "trend"):
        order = "votes"
    return render(
        request,
        "workspace/problem_demand.html",
        {"section": "problems", "rows": feature_demand(user=user, order=order), "order": order},
    )


@staff_required
@require_POST
def conversation_problem_link(request: HttpRequest, pk: int) -> HttpResponse:
    """From the conversation page: link it to a chosen problem."""
    user = staff(request)
    back = reverse("workspace:conversation", args=[pk])
    value = request.POST.get("problem", "")
    if not value.isdigit():
        messages.error(request, "Choose a problem to link to.")
        return HttpResponseRedirect(back)
    problem = _problem(user, int(value))
    try:
        conversation = conversation_get_for_user(user=user, conversation_id=pk, to_work=True)
        added = problem_link(problem=problem, actor=user, conversations=[conversation])
    except NotFound:
        raise Http404("No such conversation.") from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Linked to “{problem.title}”." if added else "Already linked.")
    return HttpResponseRedirect(back)
