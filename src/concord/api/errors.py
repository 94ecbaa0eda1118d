"""The API's single error format and the handlers that produce it.

Every failure, from a missing token to a service refusing a change, answers
``{"error": {"code", "message", "fields": [{"field", "message"}]}}`` so that a
client needs one error path, not one per cause.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from concord.common.errors import Conflict, NotAllowed, NotFound, ServiceError, ValidationFailed

logger = logging.getLogger("concord.api")
E = TypeVar("E", bound=Exception)

SERVICE_STATUS: dict[type[ServiceError], int] = {
    ValidationFailed: 422,
    NotAllowed: 403,
    Conflict: 409,
    NotFound: 404,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "too_many_requests",
}


class BodyNotObject(ValueError):
    """A request body that is valid JSON but not an object."""


def error_body(
    code: str, message: str, fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, str]] | None = None,
) -> HttpResponse:
    response = api.create_response(request, error_body(code, message, fields), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="concord"'
    return response


def _status_of(exc: ServiceError) -> int:
    for cls in type(exc).__mro__:
        if cls in SERVICE_STATUS:
            return SERVICE_STATUS[cls]
    return 422


def install(api: NinjaAPI) -> None:
    """Register a handler for each kind of failure on ``api``."""

    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        fields = [{"field": exc.field, "message": exc.message}] if exc.field else []
        return error_response(api, request, _status_of(exc), exc.code, exc.message, fields)

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = [
            {"field": str(e.get("field", "")), "message": str(e.get("msg", ""))} for e in exc.errors
        ]
        if fields == [{"field": "request_body", "message": "Field required"}]:
            fields[0]["message"] = "The request body is empty: send a JSON object."
        if len(fields) == 1:
            message = f"{fields[0]['field']}: {fields[0]['message']}"
        else:
            message = f"{len(fields)} fields are not valid."
        return error_response(api, request, 422, "validation_error", message, fields)

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = str(exc)
        if isinstance(exc, AuthenticationError):
            message = "Authentication required: send 'Authorization: Bearer <token>'."
        elif isinstance(exc.__cause__, BodyNotObject):
            code, message = "malformed_json", str(exc.__cause__)
        elif isinstance(exc.__cause__, (json.JSONDecodeError, UnicodeDecodeError)):
            # ninja's own message hides the reason; a client fixing its JSON needs it.
            code = "malformed_json"
            message = f"The request body is not valid JSON ({exc.__cause__})."
        return error_response(api, request, exc.status_code, code, message)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(api, request, 404, "not_found", "Not found.")

    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(
            api,
            request,
            413,
            "payload_too_large",
            "The request body is larger than this server accepts.",
        )

    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return error_response(api, request, 400, "bad_request", "The request was refused.")

    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return error_response(
            api, request, 500, "server_error", "Something went wrong on our side."
        )

    _on(api, ServiceError, service_error)
    _on(api, ValidationError, validation_error)
    _on(api, HttpError, http_error)
    _on(api, Http404, not_found)
    _on(api, ObjectDoesNotExist, not_found)
    _on(api, RequestDataTooBig, too_big)
    _on(api, SuspiciousOperation, suspicious)
    _on(api, Exception, unexpected)


def _on(
    api: NinjaAPI, exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
) -> None:
    # ninja types a handler's argument as "the exception or its class"; it only
    # ever passes instances, and each handler here is written for an instance.
    def call(request: HttpRequest, exc: E | type[E]) -> HttpResponse:
        return handler(request, cast(E, exc))

    api.add_exception_handler(exc_class, call)
