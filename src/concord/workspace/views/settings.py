"""Service-level settings in the workspace: calendars, SLA policies and the policy preview.

For admins and supervisors, who set these up without a developer or the
Django admin; to anyone else the pages do not exist (404). Every change goes
through the calendars and SLA services, which also queue the recompute of
open conversations' due times.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.accounts.models import SEE_ALL_ROLES, User
from concord.accounts.services import calendar_set_teams
from concord.calendars.models import Calendar
from concord.calendars.selectors import calendar_holiday_preview, calendar_list
from concord.calendars.services import (
    calendar_add_closed_date,
    calendar_change,
    calendar_create,
    calendar_remove_closed_date,
    time_zone_names,
)
from concord.common.durations import format_duration
from concord.common.errors import ServiceError
from concord.sla.models import SlaPolicy
from concord.sla.preview import sla_preview
from concord.sla.selectors import sla_policy_conditions, sla_policy_time_basis
from concord.sla.services import sla_policy_create, sla_policy_update
from concord.workspace.forms import add_service_error
from concord.workspace.settings_forms import (
    CalendarDetailsForm,
    CalendarTeamsForm,
    ClosedDateForm,
    PolicyForm,
    PreviewForm,
    WeekGridForm,
    copy_monday,
    grid_initial,
    policy_initial,
    subdivision_choices,
)
from concord.workspace.views._common import staff, staff_required


def _manager(request: HttpRequest) -> User:
    """The signed-in admin or supervisor; for anyone else these pages are not there."""
    user = staff(request)
    if user.role not in SEE_ALL_ROLES:
        raise Http404("No such page.")
    return user


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"workspace/{template}", {"section": "settings", **context})


@staff_required
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    _manager(request)
    policies = list(
        SlaPolicy.objects.order_by("position", "id")
        .select_related("calendar")
        .prefetch_related("teams__calendar", "organizations")
    )
    rows = [
        {
            "policy": policy,
            "targets": [
                (label, format_duration(seconds) or "—")
                for label, seconds in (
                    ("First response", policy.first_response_seconds),
                    ("Next reply", policy.next_reply_seconds),
                    ("Resolution", policy.resolution_seconds),
                )
            ],
            "conditions": sla_policy_conditions(policy=policy),
            "time_counted": sla_policy_time_basis(policy=policy),
        }
        for policy in policies
    ]
    calendars = list(calendar_list().prefetch_related("intervals", "teams"))
    return _render(request, "settings_index.html", {"policies": rows, "calendars": calendars})


# ---- calendars --------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return _calendar_page(request, calendar=None)


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    return _calendar_page(request, calendar=get_object_or_404(Calendar, pk=pk))


def _calendar_page(request: HttpRequest, *, calendar: Calendar | None) -> HttpResponse:
    if request.method == "POST":
        data = request.POST
        copying = data.get("action") == "copy-monday"
        if copying:
            data = copy_monday(data)  # type: ignore[assignment]
        details = CalendarDetailsForm(data)
        grid = WeekGridForm(data)
        if copying:
            messages.info(request, "Monday's hours copied to Tuesday to Friday. Save to keep them.")
        elif details.is_valid() and grid.is_valid():
            saved = _save_calendar(calendar=calendar, details=details, grid=grid)
            if saved is not None:
                messages.success(request, f"Calendar “{saved.name}” saved.")
                return HttpResponseRedirect(reverse("workspace:settings_calendar", args=[saved.pk]))
    elif calendar is not None:
        details = CalendarDetailsForm(
            initial={
                "name": calendar.name,
                "time_zone": calendar.time_zone,
                "holiday_country": calendar.holiday_country,
                "holiday_subdivision": calendar.holiday_subdivision,
            }
        )
        initial, counts = grid_initial(calendar=calendar)
        grid = WeekGridForm(initial=initial, slots_per_day=counts)
    else:
        default_zone = timezone.get_current_timezone_name()
        details = CalendarDetailsForm(initial={"time_zone": default_zone})
        grid = WeekGridForm(slots_per_day={})
    preview = None
    if calendar is not None:
        preview = calendar_holiday_preview(calendar=calendar, start=timezone.localdate())
    return _render(
        request,
        "settings_calendar.html",
        {
            "calendar": calendar,
            "details": details,
            "grid": grid,
            "zones": time_zone_names(),
            "preview": preview,
            "closed_form": ClosedDateForm(),
            "closed_dates": list(calendar.closed_dates.order_by("date")) if calendar else [],
            "teams": list(calendar.teams.order_by("name")) if calendar else [],
            "teams_form": (
                CalendarTeamsForm(initial={"teams": list(calendar.teams.all())})
                if calendar
                else None
            ),
        },
    )


def _save_calendar(
    *, calendar: Calendar | None, details: CalendarDetailsForm, grid: WeekGridForm
) -> Calendar | None:
    values = details.cleaned_data
    try:
        if calendar is None:
            return calendar_create(
                name=values["name"],
                time_zone=values["time_zone"],
                holiday_country=values["holiday_country"],
                holiday_subdivision=values["holiday_subdivision"],
                intervals=grid.cleaned_data["intervals"],
            )
        return calendar_change(
            calendar=calendar,
            name=values["name"],
            time_zone=values["time_zone"],
            holiday_country=values["holiday_country"],
            holiday_subdivision=values["holiday_subdivision"],
            intervals=grid.cleaned_data["intervals"],
        )
    except ServiceError as error:
        add_service_error(grid if error.field == "intervals" else details, error)
        if calendar is not None:
            calendar.refresh_from_db()
        return None


@staff_required
@require_GET
def calendar_regions(request: HttpRequest) -> HttpResponse:
    """The region options of a country, swapped into the form when the country changes."""
    _manager(request)
    country = request.GET.get("holiday_country", "")[:8]
    return _render(
        request, "_settings_regions.html", {"choices": subdivision_choices(country=country)}
    )


@staff_required
@require_POST
def calendar_closed_add(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    calendar = get_object_or_404(Calendar, pk=pk)
    form = ClosedDateForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
        )
        messages.error(request, f"The closed date was not added ({problems}).")
    else:
        day: date = form.cleaned_data["date"]
        try:
            calendar_add_closed_date(calendar=calendar, day=day, label=form.cleaned_data["label"])
            messages.success(request, f"{day:%a %d %b %Y} is now closed.")
        except ServiceError as error:
            messages.error(request, error.message)
    return HttpResponseRedirect(reverse("workspace:settings_calendar", args=[pk]) + "#closed")


@staff_required
@require_POST
def calendar_teams(request: HttpRequest, pk: int) -> HttpResponse:
    """Which teams work by this calendar (their SLA clocks and business-time metrics)."""
    _manager(request)
    calendar = get_object_or_404(Calendar, pk=pk)
    form = CalendarTeamsForm(request.POST)
    if form.is_valid():
        teams = list(form.cleaned_data["teams"])
        calendar_set_teams(calendar=calendar, teams=teams)
        names = ", ".join(team.name for team in teams) or "no team"
        messages.success(request, f"“{calendar.name}” is now the calendar of {names}.")
    else:
        messages.error(request, "Those teams could not be read; nothing was changed.")
    return HttpResponseRedirect(reverse("workspace:settings_calendar", args=[pk]) + "#teams")


@staff_required
@require_POST
def calendar_closed_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    calendar = get_object_or_404(Calendar, pk=pk)
    form = ClosedDateForm(request.POST)
    if form.is_valid():
        calendar_remove_closed_date(calendar=calendar, day=form.cleaned_data["date"])
        messages.success(request, f"{form.cleaned_data['date']:%a %d %b %Y} is open again.")
    return HttpResponseRedirect(reverse("workspace:settings_calendar", args=[pk]) + "#closed")


# ---- policies ---------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return _policy_page(request, policy=None)


@staff_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    return _policy_page(request, policy=get_object_or_404(SlaPolicy, pk=pk))


def _policy_page(request: HttpRequest, *, policy: SlaPolicy | None) -> HttpResponse:
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                if policy is None:
                    saved = sla_policy_create(**form.changes(), teams=form.cleaned_data["teams"])
                else:
                    saved = sla_policy_update(
                        policy=policy, changes=form.changes(), teams=form.cleaned_data["teams"]
                    )
            except ServiceError as error:
                add_service_error(form, error)
                if policy is not None:
                    policy.refresh_from_db()
            else:
                messages.success(
                    request,
                    f"Policy “{saved.name}” saved. Open conversations follow it within moments.",
                )
                return HttpResponseRedirect(reverse("workspace:settings_policy", args=[saved.pk]))
    else:
        form = PolicyForm(initial=policy_initial(policy=policy) if policy else None)
    return _render(
        request,
        "settings_policy.html",
        {
            "policy": policy,
            "form": form,
            "time_counted": sla_policy_time_basis(policy=policy) if policy else "",
        },
    )


@staff_required
@require_GET
def policy_preview(request: HttpRequest) -> HttpResponse:
    """Which policy a conversation like this would get, and when its targets would fall due."""
    _manager(request)
    form = PreviewForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        result = sla_preview(
            moment=form.when(),
            priority=form.cleaned_data["priority"],
            channel=form.cleaned_data["channel"],
            team=form.cleaned_data["team"],
            tier=form.cleaned_data["tier"],
        )
    return _render(
        request,
        "settings_preview.html",
        {
            "form": form,
            "result": result,
            "viewer_zone": timezone.get_current_timezone_name(),
        },
    )
