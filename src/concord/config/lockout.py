"""What a locked-out sign-in sees: the sign-in area's own page, saying why and for how long.

django-axes calls ``lockout_response`` (``AXES_LOCKOUT_CALLABLE``) when an
account or a client address has too many failed sign-ins. The customer portal
answers in its own look; the workspace and the admin share the workspace's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKED_OUT_STATUS = 429


def attempted_login(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The login name a sign-in attempt was for (``AXES_USERNAME_CALLABLE``).

    The portal signs in by email address and looks the account up first; an
    unknown address must count against that address, not against one shared
    empty name, or the pause would tell which addresses have an account.
    """
    if request.path.startswith("/help/"):
        return str(request.POST.get("email", "")).strip().lower()
    return str((credentials or {}).get("username") or request.POST.get("username", ""))


def cool_off_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    path = request.path
    if path.startswith("/help/"):
        template, back = "portal/locked_out.html", "/help/"
    elif path.startswith("/admin/"):
        template, back = "workspace/locked_out.html", "/admin/login/"
    else:
        template, back = "workspace/locked_out.html", "/app/login/"
    response = render(
        request,
        template,
        {"minutes": cool_off_minutes(), "back": back},
        status=LOCKED_OUT_STATUS,
    )
    response["Retry-After"] = str(cool_off_minutes() * 60)
    return response
