from __future__ import annotations

from django.contrib import admin

from concord.common.admin import ReadOnlyAdmin
from concord.trends.models import DigestDelivery, DigestRun, SpikeAlert


@admin.register(SpikeAlert)
class SpikeAlertAdmin(ReadOnlyAdmin):
    """Raised by the sweep and handled on /app/trends/; here to look back at them."""

    list_display = ("key", "count", "expected", "status", "first_seen_at", "ended_at")
    list_filter = ("status",)
    search_fields = ("key",)


@admin.register(DigestRun)
class DigestRunAdmin(ReadOnlyAdmin):
    list_display = ("day", "created_at")


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("run", "team", "state", "recipients", "attempts", "updated_at")
    list_filter = ("state",)
