"""The browser's report of its time zone, shared by the workspace and the portal."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_POST

from concord.accounts.models import User
from concord.accounts.services import user_default_time_zone
from concord.common.errors import ValidationFailed


@require_POST
def time_zone_default(request: HttpRequest) -> HttpResponse:
    """Store the zone the page reports (``time_zone``) if the user has none yet.

    The page sends it once, at the first signed-in page; a user who has chosen
    a zone keeps it (204 either way). CSRF protected like every other POST.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        # A background call: a sign-in redirect would be of no use to it.
        return HttpResponse("Sign in first.", status=403, content_type="text/plain")
    try:
        user_default_time_zone(user=user, time_zone=request.POST.get("time_zone", ""))
    except ValidationFailed as error:
        return HttpResponseBadRequest(error.message, content_type="text/plain")
    return HttpResponse(status=204)
