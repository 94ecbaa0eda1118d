"""The public survey pages: the link records the score, then the comment page.

No account is needed: the signed token in the URL is the only credential. A
score link works without JavaScript (a plain GET records it, and opening it
again records the same score), so an email client can show it as a button.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from concord.common.errors import ValidationFailed
from concord.surveys.forms import CommentForm
from concord.surveys.models import SurveyInvitation
from concord.surveys.services import (
    SurveyLinkExpired,
    SurveyLinkInvalid,
    invitation_from_token,
    survey_answer,
    survey_comment,
)
from concord.surveys.services.mail import score_links

# Same policy as the portal's pages: nothing from elsewhere, no inline script.
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response.headers["Content-Security-Policy"] = _CSP
    # The token in the address must not travel to another site in a Referer.
    # Not "no-referrer": Chromium then sends "Origin: null" with the comment
    # form, which Django's CSRF check rightly refuses.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, error: ValidationFailed) -> HttpResponse:
    if isinstance(error, SurveyLinkExpired):
        kind, status = "expired", 410
    elif isinstance(error, SurveyLinkInvalid):
        kind, status = "invalid", 404
    else:
        kind, status = "score", 400
    return _page(request, "surveys/refused.html", {"kind": kind, "error": error}, status)


def _score(raw: str) -> int | str:
    # Anything but a plain integer reaches the service as text, which refuses it.
    return int(raw) if re.fullmatch(r"-?[0-9]{1,4}", raw) else raw


@require_GET
def survey_start(request: HttpRequest, token: str) -> HttpResponse:
    """The survey as a web page (the portal's way in): the same score links as the email."""
    try:
        invitation = invitation_from_token(token=token)
    except ValidationFailed as error:
        return _refused(request, error)
    return _page(
        request,
        "surveys/start.html",
        {
            "invitation": invitation,
            "definition": invitation.definition,
            "links": _links(invitation),
        },
    )


def _links(invitation: SurveyInvitation) -> list[Any]:
    return score_links(invitation)


@require_http_methods(["GET", "POST"])
def survey_answer_page(request: HttpRequest, token: str, score: str) -> HttpResponse:
    """GET records the score and offers the comment form; POST saves the comment."""
    try:
        if request.method == "POST":
            invitation = invitation_from_token(token=token)
            form = CommentForm(request.POST, definition=invitation.definition)
            if form.is_valid():
                response = survey_comment(
                    token=token,
                    comment=form.cleaned_data["comment"],
                    score_2=form.cleaned_data.get("score_2"),
                )
                return _page(
                    request,
                    "surveys/thanks.html",
                    {"definition": invitation.definition, "response": response},
                )
            recorded = survey_answer(token=token, score=_score(score))
        else:
            recorded = survey_answer(token=token, score=_score(score))
            invitation = recorded.invitation
            form = CommentForm(definition=invitation.definition)
    except ValidationFailed as error:
        return _refused(request, error)
    return _page(
        request,
        "surveys/comment.html",
        {
            "definition": invitation.definition,
            "response": recorded,
            "label": invitation.definition.scale.label(recorded.score),
            "form": form,
            "links": _links(invitation),
        },
    )
