"""Ideas: feature requests customers vote on. Anyone may read the list; customers vote."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from concord.accounts.models import User
from concord.common.errors import NotFound
from concord.customers.selectors import customer_for_user
from concord.portal.views._common import customer_required, customer_user, not_found, portal_page
from concord.problems.portal_selectors import feature_request_get_for_portal
from concord.problems.selectors import feature_requests_for_portal
from concord.problems.services import problem_unvote, problem_vote


@portal_page
@require_http_methods(["GET", "HEAD"])
def idea_list(request: HttpRequest) -> HttpResponse:
    user = customer_user(request)
    customer = customer_for_user(user=user) if user is not None else None
    ideas_url = reverse("portal:ideas")
    return render(
        request,
        "portal/ideas.html",
        {
            "ideas": feature_requests_for_portal(customer=customer),
            "may_vote": customer is not None,
            "sign_in_url": f"{reverse('portal:sign_in')}?{urlencode({'next': ideas_url})}",
            "signed_in_staff": request.user.is_authenticated and user is None,
            "nav": "ideas",
        },
    )


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def idea_vote(request: HttpRequest, user: User, problem_id: int) -> HttpResponse:
    """POST ``vote=add`` or ``vote=remove``: saying which makes a double submit harmless."""
    try:
        idea = feature_request_get_for_portal(problem_id=problem_id)
    except NotFound:
        return not_found(request)
    back = f"{reverse('portal:ideas')}#idea-{idea.pk}"
    if request.method != "POST":
        # A visitor whose session ended clicks Vote, signs in, and lands here by GET.
        return redirect(back)
    customer = customer_for_user(user=user)
    if customer is None:
        return not_found(request)
    choice = request.POST.get("vote")
    try:
        if choice == "add":
            problem_vote(problem=idea, customer=customer)
        elif choice == "remove":
            problem_unvote(problem=idea, customer=customer)
    except NotFound:  # taken out of the portal since the page was loaded
        return not_found(request)
    return redirect(back)
