"""Signing in to the portal (emailed link or password), signing out, setting a password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from concord.accounts.forms import TimeZoneForm
from concord.accounts.models import Role, User
from concord.accounts.selectors import user_zone
from concord.accounts.services import user_set_time_zone
from concord.common.errors import ServiceError, ValidationFailed
from concord.customers.selectors import customer_for_user
from concord.customers.services import customer_set_updates
from concord.portal.forms import EmailLinkForm, PasswordSignInForm, SetPasswordForm, UpdatesForm
from concord.portal.selectors import magic_link_check, portal_user_for_email
from concord.portal.services import magic_link_redeem, magic_link_request, portal_password_set
from concord.portal.views._common import (
    FORM_ERROR_STATUS,
    customer_required,
    customer_user,
    not_found,
    portal_page,
    safe_next,
)


def _sign_in_page(
    request: HttpRequest,
    *,
    link_form: EmailLinkForm | None = None,
    password_form: PasswordSignInForm | None = None,
    status: int = 200,
) -> HttpResponse:
    signed_in_staff = request.user.is_authenticated and customer_user(request) is None
    return render(
        request,
        "portal/sign_in.html",
        {
            "link_form": link_form or EmailLinkForm(),
            "password_form": password_form or PasswordSignInForm(),
            "next": safe_next(request, request.GET.get("next") or request.POST.get("next")),
            "signed_in_staff": signed_in_staff,
            "nav": "sign_in",
        },
        status=status,
    )


@portal_page
def home(request: HttpRequest) -> HttpResponse:
    if customer_user(request) is not None:
        return redirect("portal:requests")
    return redirect("portal:sign_in")


@portal_page
@require_http_methods(["GET", "HEAD"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if customer_user(request) is not None:
        return redirect(safe_next(request, request.GET.get("next")))
    return _sign_in_page(request)


@portal_page
@require_POST
def send_link(request: HttpRequest) -> HttpResponse:
    form = EmailLinkForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, link_form=form, status=FORM_ERROR_STATUS)
    # From the configured address, never the request's Host header: a forged
    # Host would otherwise put an attacker's site in the emailed link.
    sign_in_url = settings.CONCORD_BASE_URL + reverse("portal:magic_link_base")
    magic_link_request(email=form.cleaned_data["email"], sign_in_url=sign_in_url)
    # The same answer whether or not the address belongs to a customer.
    return render(request, "portal/link_sent.html", {"email": form.cleaned_data["email"]})


@portal_page
@require_http_methods(["GET", "HEAD", "POST"])
def magic_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST spends the link and signs in.

    Mail scanners open links to check them; if a GET signed in, the scanner
    would spend the single-use link before the customer clicked it.
    """
    if request.method == "POST":
        user = magic_link_redeem(token=token)
        if user is None:
            return render(
                request, "portal/link_invalid.html", {"form": EmailLinkForm()}, status=410
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("portal:requests")
    link = magic_link_check(token=token)
    if link is None:
        return render(request, "portal/link_invalid.html", {"form": EmailLinkForm()}, status=410)
    return render(request, "portal/link_confirm.html", {"email": link.email})


@portal_page
@require_POST
def password_sign_in(request: HttpRequest) -> HttpResponse:
    form = PasswordSignInForm(request.POST)
    if not form.is_valid():
        return _sign_in_page(request, password_form=form, status=FORM_ERROR_STATUS)
    found = portal_user_for_email(email=form.cleaned_data["email"])
    # authenticate() hashes the password even for an unknown name, so a wrong
    # address takes as long as a wrong password.
    user = authenticate(
        request,
        # No login has an empty username (user_create refuses one).
        username=found.username if found else "",
        password=form.cleaned_data["password"],
    )
    if not isinstance(user, User) or user.role != Role.CUSTOMER or found is None:
        form.add_error(None, "That email address and password do not match.")
        return _sign_in_page(request, password_form=form, status=FORM_ERROR_STATUS)
    login(request, user)
    return redirect(safe_next(request, request.POST.get("next")))


@portal_page
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:sign_in")


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest, user: User) -> HttpResponse:
    form = SetPasswordForm(request.POST or None, user=user)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            portal_password_set(user=user, password=form.cleaned_data["password1"])
        except ServiceError as error:
            form.add_error("password1", error.message)
        else:
            # Keep this session; other sessions end with the old password.
            update_session_auth_hash(request, user)
            saved = True
            form = SetPasswordForm(user=user)
    status = FORM_ERROR_STATUS if request.method == "POST" and not saved else 200
    return _account_page(request, user, form=form, saved=saved, status=status)


@customer_required
@require_POST
def account_time_zone(request: HttpRequest, user: User) -> HttpResponse:
    """The zone the customer reads times in (the account page's second form)."""
    zone_form = TimeZoneForm(request.POST)
    if zone_form.is_valid():
        try:
            user_set_time_zone(user=user, time_zone=zone_form.cleaned_data["time_zone"])
        except ValidationFailed as error:
            zone_form.add_error("time_zone", f"{error.message} Choose one from the list.")
        else:
            return redirect(f"{reverse('portal:account')}?zone=saved#time-zone")
    return _account_page(
        request,
        user,
        form=SetPasswordForm(user=user),
        zone_form=zone_form,
        status=FORM_ERROR_STATUS,
    )


@customer_required
@require_POST
def account_updates(request: HttpRequest, user: User) -> HttpResponse:
    """Whether the customer hears of fixes and of features they voted for (announcements)."""
    customer = customer_for_user(user=user)
    if customer is None:
        return not_found(request)
    form = UpdatesForm(request.POST)
    # An unticked checkbox is simply absent from the form: the form reads that as False.
    receive = form.is_valid() and bool(form.cleaned_data["receive"])
    customer_set_updates(customer=customer, receive=receive)
    return redirect(f"{reverse('portal:account')}?updates=saved#updates")


def _account_page(
    request: HttpRequest,
    user: User,
    *,
    form: SetPasswordForm,
    saved: bool = False,
    zone_form: TimeZoneForm | None = None,
    status: int = 200,
) -> HttpResponse:
    customer = customer_for_user(user=user)
    return render(
        request,
        "portal/account.html",
        {
            "form": form,
            "saved": saved,
            "has_password": user.has_usable_password(),
            "zone_form": zone_form or TimeZoneForm(initial={"time_zone": user.time_zone}),
            "zone_saved": request.GET.get("zone") == "saved",
            "zone": user_zone(user=user),
            "updates_form": None
            if customer is None
            else UpdatesForm(initial={"receive": customer.updates_opt_out_at is None}),
            "updates_saved": request.GET.get("updates") == "saved",
            "nav": "account",
        },
        status=status,
    )
