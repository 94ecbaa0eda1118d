"""The surveys' pages and router mounted the way ``concord.config.urls`` will mount them.

``concord.config.urls`` and ``concord.api.main`` are other apps' files; these
tests mount the app themselves so they hold whether or not those lines exist.
"""

from __future__ import annotations

from django.urls import include, path

from concord.api import errors
from concord.api.auth import BearerToken
from concord.api.main import ConcordAPI, JSONObjectParser
from concord.surveys.api import router

api = ConcordAPI(
    title="Concord API (survey tests)",
    version="test",
    auth=BearerToken(),
    parser=JSONObjectParser(),
    urls_namespace="surveys-tests",
)
errors.install(api)
api.add_router("/", router)

urlpatterns = [
    path("app/", include("concord.workspace.urls")),
    path("help/", include("concord.portal.urls")),
    path("survey/", include("concord.surveys.urls")),
    path("api/v1/", api.urls),
]
