"""Admin pages: Slack channels, and the notifications sent (read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from concord.common.admin import ReadOnlyAdmin
from concord.common.http import UnsafeTarget, check_url
from concord.notifications.models import Notification, SlackChannel


class SlackChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    webhook_url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        help_text="Slack's incoming-webhook URL (https://hooks.slack.com/…).",
    )

    class Meta:
        model = SlackChannel
        fields = ("name", "webhook_url", "is_active", "teams")

    def clean_webhook_url(self) -> str:
        url = str(self.cleaned_data["webhook_url"])
        try:
            check_url(url)
        except UnsafeTarget as error:
            raise forms.ValidationError(error.message) from None
        return url


@admin.register(SlackChannel)
class SlackChannelAdmin(admin.ModelAdmin[SlackChannel]):
    form = SlackChannelForm
    list_display = ("name", "is_active", "created_at")
    filter_horizontal = ("teams",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "title", "email_state", "read_at")
    list_filter = ("email_state",)
    search_fields = ("title", "recipient__username", "dedupe_key")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]
