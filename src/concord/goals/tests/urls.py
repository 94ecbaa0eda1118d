"""The goals router mounted the way ``concord.api.main`` mounts it.

``concord.api.main`` is shared with other apps; these tests mount the router
themselves so they hold whatever else is mounted there.
"""

from __future__ import annotations

from django.urls import path

from concord.api import errors
from concord.api.auth import BearerToken
from concord.api.main import ConcordAPI, JSONObjectParser
from concord.goals.api import router

api = ConcordAPI(
    title="Concord API (goal tests)",
    version="test",
    auth=BearerToken(),
    parser=JSONObjectParser(),
    urls_namespace="goals-tests",
)
errors.install(api)
api.add_router("/", router)

urlpatterns = [path("api/v1/", api.urls)]
