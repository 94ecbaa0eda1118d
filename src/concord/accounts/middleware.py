"""Times on every page in the signed-in user's own zone."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from concord.accounts.models import User
from concord.accounts.selectors import user_zone


class UserTimeZoneMiddleware:
    """Activates the user's zone for the request, so ``|date`` and ``localtime`` use it.

    Only presentation follows it: business rules (SLA calendars, goals, report
    defaults) name their zone explicitly and never read the current one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated and user.time_zone:
            timezone.activate(user_zone(user=user))
        else:
            # Threads are reused between requests: never let one user's zone leak.
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
