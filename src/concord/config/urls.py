from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView

from concord.api.main import api


def no_icon(request: HttpRequest) -> HttpResponse:
    # Pages that name no icon (Django's admin) make browsers ask for this; an
    # empty answer instead of a 404 keeps their consoles clean.
    return HttpResponse(status=204)


urlpatterns = [
    path("favicon.ico", no_icon),
    path("", RedirectView.as_view(url="/app/", permanent=False)),
    path("app/", include("concord.workspace.urls")),
    path("help/", include("concord.portal.urls")),
    path("survey/", include("concord.surveys.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
