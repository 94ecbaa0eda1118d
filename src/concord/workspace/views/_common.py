"""What every workspace view shares: who may enter, and where to go back to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from concord.accounts.models import User

View = Callable[..., HttpResponseBase]  # a file download is a streaming response


def staff_required(view: View) -> View:
    """Signed-in staff only: others go to the sign-in page, customers get a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            login_url = resolve_url(settings.LOGIN_URL)
            if getattr(request, "htmx", False):
                # A poll from a page whose session ended: send the whole page to
                # the sign-in form rather than swapping the form into a fragment.
                return HttpResponseClientRedirect(login_url)
            return redirect_to_login(request.get_full_path(), login_url)
        if not isinstance(user, User) or not user.is_staff_member:
            raise PermissionDenied("The agent workspace is for the service team.")
        return view(request, *args, **kwargs)

    return wrapped


def staff(request: HttpRequest) -> User:
    """The signed-in staff user; only call it behind ``staff_required``."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff_member:
        raise PermissionDenied("The agent workspace is for the service team.")
    return user


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """``candidate`` if it is a path on this site, else ``default`` (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
