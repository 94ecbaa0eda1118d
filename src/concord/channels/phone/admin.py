"""Call records in the Django admin: read-only, since the telephony system is their source."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from concord.channels.phone.models import CallRecord, CallRecordChange


class CallRecordChangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CallRecordChange
    extra = 0
    can_delete = False
    readonly_fields = ("changed_at", "actor", "fields")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "external_id",
        "direction",
        "customer_phone",
        "queued_at",
        "abandoned",
        "agent",
        "team",
    )
    list_filter = ("direction", "abandoned", "team")
    search_fields = ("external_id", "customer_phone_normalized")
    list_select_related = ("agent", "team")
    raw_id_fields = ("customer", "conversation", "agent")
    date_hierarchy = "queued_at"
    inlines = [CallRecordChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
