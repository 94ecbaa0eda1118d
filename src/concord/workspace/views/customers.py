"""The customer directory: search, and one customer's 360° page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concord.channels.phone.selectors import calls_for_customer
from concord.conversations.selectors import conversation_recent_for_customer
from concord.customers.models import LifecycleStage
from concord.customers.privacy import privacy_allowed
from concord.customers.selectors import (
    customer_directory_allowed,
    customer_get_for_user,
    customer_search,
)
from concord.surveys.selectors import survey_history_for_customer
from concord.workspace.forms import CustomerSearchForm
from concord.workspace.views._common import staff, staff_required

SEARCH_LIMIT = 50
HISTORY_LIMIT = 50


@staff_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not customer_directory_allowed(user=user):
        raise PermissionDenied("The customer directory is for agents, supervisors and admins.")
    form = CustomerSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = customer_search(user=user, query=query, limit=SEARCH_LIMIT)
    return render(
        request,
        "workspace/customer_list.html",
        {
            "section": "customers",
            "form": form,
            "query": query,
            "results": results,
            "limit": SEARCH_LIMIT,
        },
    )


@staff_required
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    customer = customer_get_for_user(user=user, customer_id=pk)
    if customer is None:
        raise Http404("No such customer, or not one you can see.")
    history = conversation_recent_for_customer(user=user, customer=customer, limit=HISTORY_LIMIT)
    return render(
        request,
        "workspace/customer_detail.html",
        {
            "section": "customers",
            "customer": customer,
            "history": history,
            "history_limit": HISTORY_LIMIT,
            "stages": LifecycleStage.choices,
            "survey_history": survey_history_for_customer(
                user=user, customer_id=customer.pk, limit=10
            ),
            "calls": calls_for_customer(user=user, customer_id=customer.pk, limit=20),
            "privacy": privacy_allowed(user=user),
        },
    )
