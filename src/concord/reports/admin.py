from __future__ import annotations

from django.contrib import admin

from concord.reports.models import SummaryDelivery, SummarySubscription


class DeliveryInline(admin.TabularInline[SummaryDelivery, SummarySubscription]):
    model = SummaryDelivery
    extra = 0
    can_delete = False
    readonly_fields = ("week_start", "state", "attempts", "error", "updated_at")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(SummarySubscription)
class SummarySubscriptionAdmin(admin.ModelAdmin[SummarySubscription]):
    """Admins choose who gets the weekly summary here; users can also opt in on /app/reports/."""

    list_display = ("user", "team", "is_active", "created_at")
    list_filter = ("is_active",)
    autocomplete_fields = ()
    inlines = (DeliveryInline,)
