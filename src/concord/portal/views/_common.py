"""Shared pieces of the portal's views: who may enter, and the portal's own 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from concord.accounts.models import Role, User

# Portal pages load nothing from elsewhere and run no inline script; message
# bodies are sanitised already, and this keeps any slip inert. Images in agents'
# replies may come from the web.
_CSP = (
    "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

View = Callable[..., HttpResponseBase]

# A form shown again with its errors is a normal page, as Django's own views
# answer it; a 4xx here would make browsers log a failed load on every typo.
FORM_ERROR_STATUS = 200


def portal_page(view: View) -> View:
    """Every portal response carries the portal's content security policy."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", _CSP)
        return response

    return wrapped


def customer_user(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_active and user.role == Role.CUSTOMER:
        return user
    return None


def customer_required(view: View) -> View:
    """Signed-in customers only: others go to sign in; staff are sent to the workspace."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = customer_user(request)
        if user is None:
            if request.user.is_authenticated:
                return render(request, "portal/staff_refused.html", status=403)
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('portal:sign_in')}?{query}")
        return view(request, user, *args, **kwargs)

    return portal_page(wrapped)


def not_found(request: HttpRequest) -> HttpResponse:
    """Not there and not yours look the same."""
    return render(request, "portal/not_found.html", status=404)


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go after signing in: a portal path on this site, else the request list."""
    fallback = reverse("portal:requests")
    if not candidate or not candidate.startswith(reverse("portal:home")):
        return fallback
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    return candidate
