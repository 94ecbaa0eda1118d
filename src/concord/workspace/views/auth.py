"""Signing in and out of the workspace, with Django's own auth views."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from concord.workspace.forms import StaffAuthenticationForm


class SignInView(auth_views.LoginView):
    # Django's login() rotates the session key, so a session id planted before
    # sign-in is worthless afterwards.
    template_name = "workspace/login.html"
    authentication_form = StaffAuthenticationForm


class SignOutView(auth_views.LogoutView):
    next_page = "workspace:login"
