"""A staff member's notifications: the list, and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.common.errors import NotFound, ServiceError
from concord.notifications.models import Delivery
from concord.notifications.selectors import (
    mention_candidates,
    notification_preferences_for,
    notifications_for,
    unread_count,
)
from concord.notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_preferences_set,
)
from concord.workspace.views._common import staff, staff_required

LIST_LIMIT = 100


@staff_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    rows = notifications_for(user=user, limit=LIST_LIMIT)
    return render(
        request,
        "workspace/notifications.html",
        {"section": "notifications", "notifications": rows, "limit": LIST_LIMIT},
    )


@staff_required
@require_GET
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the navigation (an htmx fragment; empty when none)."""
    count = unread_count(user=staff(request))
    return render(request, "workspace/_unread_badge.html", {"count": count})


@staff_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification_mark_read(user=staff(request), notification_ids=[pk])
    except NotFound:
        raise Http404("No such notification.") from None
    return HttpResponseRedirect(reverse("workspace:notifications"))


@staff_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    notification_mark_all_read(user=staff(request))
    return HttpResponseRedirect(reverse("workspace:notifications"))


@staff_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Per kind of notification: in the app, by email, both or not at all."""
    user = staff(request)
    if request.method == "POST":
        # A kind the form did not send (added since the page was loaded) keeps its choice.
        choices = {
            kind: request.POST[f"kind-{kind}"]
            for kind, _, _ in notification_preferences_for(user=user)
            if f"kind-{kind}" in request.POST
        }
        try:
            notification_preferences_set(user=user, choices=choices)
        except ServiceError as error:
            messages.error(request, f"Nothing was changed: {error.message}")
        else:
            messages.success(request, "Your notification settings are saved.")
            return HttpResponseRedirect(reverse("workspace:notification_settings"))
    return render(
        request,
        "workspace/notification_settings.html",
        {
            "section": "notifications",
            "rows": notification_preferences_for(user=user),
            "deliveries": Delivery.choices,
            "has_email": bool(user.email),
        },
    )


@staff_required
@require_GET
def mention_lookup(request: HttpRequest) -> JsonResponse:
    """Colleagues and teams for the composer's @ list (staff only, names and handles)."""
    staff(request)
    prefix = request.GET.get("q", "")[:50]
    found = mention_candidates(prefix=prefix)
    return JsonResponse({"results": [{"handle": h, "label": label} for h, label in found]})
