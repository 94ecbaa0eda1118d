"""An agent says whether they take new work: online or away (routing skips away agents)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from concord.common.errors import ValidationFailed
from concord.routing.models import Availability
from concord.routing.selectors import ASSIGNABLE_ROLES, agent_status
from concord.routing.services import agent_set_availability
from concord.workspace.views._common import staff, staff_required


@staff_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    """The top bar's switch (an htmx fragment): GET shows it, POST changes it."""
    user = staff(request)
    if user.role not in ASSIGNABLE_ROLES:
        return HttpResponse("")  # collaborators are never assigned work
    if request.method == "POST":
        try:
            agent_set_availability(user=user, status=request.POST.get("availability", ""))
        except ValidationFailed as error:
            return HttpResponseBadRequest(error.message)
    status = agent_status(user=user)
    online = status is not None and status.availability == Availability.ONLINE
    return render(request, "workspace/_availability.html", {"online": online})
