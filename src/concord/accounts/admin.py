from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from concord.accounts.models import ApiToken, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "email", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Concord", {"fields": ("role",)}))


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ("name", "kind", "calendar", "created_at")
    list_filter = ("kind",)
    list_select_related = ("calendar",)
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)
    search_fields = ("name",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    # Tokens are issued by `concord` commands or the API; the admin only lists and revokes.
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at")
    search_fields = ("name", "user__username", "prefix")

    def has_add_permission(self, request: object) -> bool:
        return False
