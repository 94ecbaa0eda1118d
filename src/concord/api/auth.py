"""Bearer-token authentication: ``Authorization: Bearer cnc_…`` names a user."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from concord.accounts.models import User
from concord.accounts.selectors import api_token_authenticate
from concord.accounts.services import api_token_mark_used


class BearerToken(HttpBearer):
    """A personal API token. Tokens are not cookies, so no CSRF check applies."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = api_token_authenticate(raw=token.strip())
        if found is None:
            return None
        api_token_mark_used(token=found)
        return found.user


def current_user(request: HttpRequest) -> User:
    """The authenticated user (ninja puts what ``authenticate`` returned on request.auth)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101 - every operation requires BearerToken
    return user
