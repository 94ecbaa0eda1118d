"""The Concord REST API: one NinjaAPI object, Bearer auth, one error format.

Each domain app contributes a router (``<app>/api.py``); this module mounts
them and installs the error handlers from ``concord.api.errors``.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from django.http import HttpRequest
from ninja import NinjaAPI, Router
from ninja.errors import ValidationError, ValidationErrorContext
from ninja.parser import Parser
from ninja.types import DictStrAny
from pydantic import BaseModel

from concord.accounts.api import router as accounts_router
from concord.api import errors
from concord.api.auth import BearerToken
from concord.channels.phone.api import router as calls_router
from concord.collaboration.api import router as consults_router
from concord.common.errors import NotFound
from concord.conversations.api import router as conversations_router
from concord.customers.api import router as customers_router
from concord.customers.privacy.api import router as privacy_router
from concord.goals.api import router as goals_router
from concord.metrics.api import router as metrics_router
from concord.problems.api import router as problems_router
from concord.routing.api import router as routing_router
from concord.surveys.api import router as surveys_router


class JSONObjectParser(Parser):
    """Every request body is a JSON object; say so when it is something else."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise errors.BodyNotObject("The request body must be a JSON object.")
        return data


class ConcordAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Name each bad field as the client wrote it (``status``, not ``body.payload.status``)."""
        problems: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            flat = getattr(model, "__ninja_flatten_map_reverse__", {})
            nested = {
                name
                for name, info in model.model_fields.items()
                if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
            }
            for problem in context.pydantic_validation_error.errors(include_url=False):
                loc = tuple(flat.get(problem["loc"], problem["loc"]))
                if loc and loc[0] in nested:
                    loc = loc[1:]
                # The request body as a whole (missing, wrong shape) has no field name.
                source = str(model.__ninja_param_source__ or "body")
                source = "request_body" if source == "body" else source
                problems.append(
                    {
                        "field": ".".join(str(part) for part in loc) or source,
                        "msg": problem["msg"],
                        "type": problem["type"],
                    }
                )
        return ValidationError(problems)


api = ConcordAPI(
    title="Concord API",
    version="1",
    description=(
        "Conversations, customers, organizations, users and teams. "
        "Authenticate with a personal token: `Authorization: Bearer cnc_…`."
    ),
    auth=BearerToken(),
    parser=JSONObjectParser(),
)
errors.install(api)
api.add_router("/", conversations_router)
api.add_router("/", customers_router)
api.add_router("/", privacy_router)
api.add_router("/", accounts_router)
api.add_router("/", routing_router)
api.add_router("/", surveys_router)
api.add_router("/", metrics_router)
api.add_router("/", goals_router)
api.add_router("/", calls_router)
api.add_router("/", consults_router)
api.add_router("/", problems_router)

# Registered last so that it only catches paths no other route matched: an
# unknown URL under /api/v1/ answers in the API's error format, not Django's HTML.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False, auth=None
)
def unknown_path(request: HttpRequest, rest: str) -> NoReturn:
    raise NotFound(f"There is no API endpoint at /api/v1/{rest}.")


api.add_router("/", _fallback)
