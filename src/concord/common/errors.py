"""Errors that services raise; interfaces turn them into responses.

Services never return HTTP codes; each error kind maps to one status in
``concord.api.errors`` (and later in the web UI), so the same bad input gets
the same answer from every interface.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: a request that cannot be carried out as asked."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(ServiceError):
    """Input that is well-formed but not acceptable (maps to 422)."""

    code = "validation_error"


class NotAllowed(ServiceError):
    """The actor may see the object but not do this to it (maps to 403)."""

    code = "forbidden"


class Conflict(ServiceError):
    """The object's current state forbids the change (maps to 409)."""

    code = "conflict"


class NotFound(ServiceError):
    """Not found or not yours: the two look the same (maps to 404)."""

    code = "not_found"

    def __init__(self, message: str = "Not found.", *, field: str | None = None) -> None:
        super().__init__(message, field=field)
