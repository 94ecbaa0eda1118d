"""Privacy requests from the customer page: download everything about a customer, or erase it.

Admins only; anyone else gets the same 404 as for a customer that does not
exist. Erasing asks for the customer's email address (or the word ERASE)
to be typed, and is a CSRF-protected POST.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from concord.accounts.models import User
from concord.common.errors import Conflict
from concord.customers.models import Customer
from concord.customers.privacy import customer_erase, customer_export, customer_get_for_privacy
from concord.workspace.views._common import staff, staff_required

CONFIRM_WORD = "ERASE"


def _customer(user: User, pk: int) -> Customer:
    customer = customer_get_for_privacy(user=user, customer_id=pk)
    if customer is None:
        raise Http404("No such customer, or not one you can see.")
    return customer


class EraseForm(forms.Form):
    confirm = forms.CharField(
        max_length=320,
        label="Type the customer's email address, or ERASE",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: object, customer: Customer, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.accepted = {CONFIRM_WORD} | {
            identity.normalized
            for identity in customer.identities.all()
            if identity.kind == "email"
        }

    def clean_confirm(self) -> str:
        typed: str = self.cleaned_data["confirm"].strip()
        if typed != CONFIRM_WORD and typed.lower() not in self.accepted:
            raise forms.ValidationError(
                "That is neither the customer's email address nor the word ERASE."
            )
        return typed


@staff_required
@require_GET
def customer_export_download(request: HttpRequest, pk: int) -> FileResponse:
    user = staff(request)
    archive = customer_export(customer=_customer(user, pk), actor=user)
    response = FileResponse(
        archive.file, as_attachment=True, filename=archive.filename, content_type="application/zip"
    )
    response["Content-Length"] = str(archive.size)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def customer_erase_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    customer = _customer(user, pk)
    if customer.erased_at is not None:
        messages.info(request, f"{customer} was already erased.")
        return redirect("workspace:customer", pk=customer.pk)
    form = EraseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            customer_erase(customer=customer, actor=user)
        except Conflict as error:
            messages.info(request, error.message)
        else:
            messages.success(request, f"Customer #{customer.pk} was erased.")
        return redirect("workspace:customer", pk=customer.pk)
    return render(
        request,
        "workspace/customer_erase.html",
        {"section": "customers", "customer": customer, "form": form},
        status=400 if form.is_bound else 200,
    )
