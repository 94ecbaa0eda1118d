"""The routing router on an API object built like ``concord.api.main``'s.

``concord.api.main`` is another app's file and mounts this router with one line;
these tests mount it themselves so they hold whether or not that line is there.
"""

from __future__ import annotations

from django.urls import path

from concord.api import errors
from concord.api.auth import BearerToken
from concord.api.main import ConcordAPI, JSONObjectParser
from concord.routing.api import router

api = ConcordAPI(
    title="Concord API (routing tests)",
    version="test",
    auth=BearerToken(),
    parser=JSONObjectParser(),
    urls_namespace="routing-tests",
)
errors.install(api)
api.add_router("/", router)

urlpatterns = [path("api/v1/", api.urls)]
