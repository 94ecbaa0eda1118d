from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from concord.api.main import api

urlpatterns = [
    path("", RedirectView.as_view(url="/app/", permanent=False)),
    path("app/", include("concord.workspace.urls")),
    path("help/", include("concord.portal.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
