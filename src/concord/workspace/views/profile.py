"""The signed-in staff member's profile: who they are and the zone they read times in."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from concord.accounts.forms import TimeZoneForm
from concord.accounts.selectors import installation_zone, user_zone
from concord.accounts.services import user_set_time_zone
from concord.common.errors import ValidationFailed
from concord.workspace.views._common import staff, staff_required


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = TimeZoneForm(request.POST or None, initial={"time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            user_set_time_zone(user=user, time_zone=form.cleaned_data["time_zone"])
        except ValidationFailed as error:
            form.add_error("time_zone", f"{error.message} Choose one from the list.")
        else:
            shown = user.time_zone or f"{installation_zone()} (the installation's zone)"
            messages.success(request, f"Times are now shown in {shown}.")
            return redirect("workspace:profile")
    zone = user_zone(user=user)
    return render(
        request,
        "workspace/profile.html",
        {
            "section": "profile",
            "form": form,
            "zone": zone,
            "installation_zone": installation_zone(),
            "now_there": timezone.now().astimezone(zone),
        },
        # The form again with its errors is a normal page, as elsewhere.
        status=200,
    )
