"""Admin pages: webhooks (with their signing secret), the allow-list, the delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from concord.common.admin import ReadOnlyAdmin
from concord.common.http import UnsafeTarget, check_url
from concord.webhooks.models import AllowedTarget, Webhook, WebhookDelivery
from concord.webhooks.services import webhook_retry, webhook_rotate_secret


class WebhookForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ("name", "url", "is_active")

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            check_url(url)
        except UnsafeTarget as error:
            raise forms.ValidationError(error.message) from None
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    form = WebhookForm
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("secret", "created_at")
    actions = ("rotate_secret",)

    @admin.action(description="Generate a new signing secret")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhook_rotate_secret(webhook=webhook)
        self.message_user(request, "New secrets generated; update the receivers.")


@admin.register(AllowedTarget)
class AllowedTargetAdmin(admin.ModelAdmin[AllowedTarget]):
    """Private hosts and ranges that webhooks and Slack posts may reach anyway."""

    list_display = ("entry", "note", "created_at")
    search_fields = ("entry", "note")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "event",
        "target",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "short_error",
    )
    list_filter = ("status", "event", "webhook", "slack_channel")
    search_fields = ("delivery_id", "dedupe_key", "event")
    list_select_related = ("webhook", "slack_channel")
    actions = ("retry_now",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    @admin.display(description="target")
    def target(self, obj: WebhookDelivery) -> str:
        return obj.target_name

    @admin.display(description="last error")
    def short_error(self, obj: WebhookDelivery) -> str:
        return obj.last_error[:120]

    @admin.action(description="Retry the selected deliveries now")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        queued = sum(webhook_retry(delivery=delivery) for delivery in queryset)
        skipped = queryset.count() - queued
        self.message_user(
            request,
            f"Sending {queued} again."
            + (f" {skipped} delivered or in flight: left alone." if skipped else ""),
            messages.SUCCESS if not skipped else messages.WARNING,
        )
