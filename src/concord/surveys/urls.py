from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from concord.surveys import views

app_name = "surveys"
urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:token>/", views.survey_start, name="start"),
    path("<str:token>/<str:score>/", views.survey_answer_page, name="answer"),
]
