"""The audit log in the admin: read-only, and for admins only."""

from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.http import HttpRequest

from concord.accounts.models import Role, User


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and user.is_active and user.role == Role.ADMIN


class AuditLogAdmin(LogEntryAdmin):  # type: ignore[misc]  # auditlog is untyped
    """Nobody adds, edits or deletes entries; only users with the admin role read them.

    The role is checked as well as Django's permissions, so a staff account
    granted "view log entry" by mistake still cannot read who changed what.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_admin(request) and super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditLogAdmin)
