"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest


def csp_nonce(request: HttpRequest) -> dict[str, object]:
    """The request's CSP nonce as ``csp_nonce`` (the name django-htmx's script tag reads).

    Lazy: a page that uses no nonce does not put one in its policy.
    """
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
