"""Who made a change: the signed-in user, or the API token's owner."""

from __future__ import annotations

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from concord.accounts.models import User


def _actor(request: HttpRequest) -> User | None:
    # The API authenticates inside the view (Bearer tokens set ``request.auth``
    # after every middleware ran), so the actor is looked up when a change is
    # logged, not when the request starts.
    for candidate in (getattr(request, "auth", None), getattr(request, "user", None)):
        if isinstance(candidate, User) and candidate.is_authenticated:
            return candidate
    return None


class AuditActorMiddleware(AuditlogMiddleware):  # type: ignore[misc]  # untyped
    """auditlog's middleware, with an actor that is resolved at logging time."""

    @staticmethod
    def _get_actor(request: HttpRequest) -> object:
        # auditlog checks ``isinstance(actor, User)``, which a lazy object
        # answers for what it wraps: a request without a user logs no actor.
        return SimpleLazyObject(lambda: _actor(request))
