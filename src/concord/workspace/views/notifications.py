"""A staff member's notifications: the list, and marking them read."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from concord.common.errors import NotFound
from concord.notifications.selectors import notifications_for, unread_count
from concord.notifications.services import notification_mark_all_read, notification_mark_read
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
