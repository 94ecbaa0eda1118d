"""Admin pages: mailboxes (with IMAP settings), inbound mail and its quarantine, outbound mail."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from concord.channels.email.models import InboundEmail, InboundStatus, Mailbox, OutboundEmail
from concord.channels.email.services.inbound import inbound_reprocess
from concord.channels.email.services.outbound import outbound_retry
from concord.common.admin import ReadOnlyAdmin


class MailboxForm(forms.ModelForm):  # type: ignore[type-arg]
    # Never echo the stored password back into the page; blank keeps it.
    imap_password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave blank to keep the current password.",
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "address",
            "team",
            "is_active",
            "send_acknowledgement",
            "imap_enabled",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_username",
            "imap_password",
            "imap_folder",
        )

    def clean_imap_password(self) -> str:
        given = str(self.cleaned_data.get("imap_password") or "")
        if not given and self.instance.pk:
            return str(self.instance.imap_password)
        return given

    def clean_address(self) -> str:
        address = str(self.cleaned_data["address"]).strip().lower()
        if "+" in address.partition("@")[0]:
            raise forms.ValidationError(
                "A mailbox address cannot contain '+': Concord uses it for reply addresses."
            )
        return address


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = ("address", "name", "team", "is_active", "imap_enabled", "imap_last_polled_at")
    readonly_fields = ("imap_last_polled_at", "imap_last_error", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "address", "team", "is_active", "send_acknowledgement")}),
        (
            "IMAP polling",
            {
                "fields": (
                    "imap_enabled",
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_username",
                    "imap_password",
                    "imap_folder",
                    "imap_last_polled_at",
                    "imap_last_error",
                )
            },
        ),
    )


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    """Every email received; filter by status "Quarantined" to see what needs attention."""

    list_display = (
        "id",
        "received_at",
        "mailbox",
        "sender",
        "status",
        "kind",
        "conversation",
        "short_reason",
    )
    list_filter = ("status", "kind", "sender_source", "source", "mailbox")
    search_fields = ("rfc_message_id", "sender", "envelope_from", "from_header", "reason")
    list_select_related = ("mailbox",)
    actions = ("reprocess",)
    readonly_fields = [f.name for f in InboundEmail._meta.fields]

    @admin.display(description="reason")
    def short_reason(self, obj: InboundEmail) -> str:
        return obj.reason[:120]

    @admin.action(description="Reprocess the selected quarantined emails")
    def reprocess(self, request: HttpRequest, queryset: QuerySet[InboundEmail]) -> None:
        done = failed = 0
        for inbound in queryset.filter(status=InboundStatus.QUARANTINED):
            result = inbound_reprocess(inbound=inbound)
            if result.status == InboundStatus.PROCESSED:
                done += 1
            else:
                failed += 1
        self.message_user(
            request,
            f"Reprocessed {done}; still quarantined {failed}.",
            messages.SUCCESS if not failed else messages.WARNING,
        )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "to_address", "status", "attempts", "conversation")
    list_filter = ("status", "kind", "mailbox")
    search_fields = ("rfc_message_id", "to_address", "subject")
    actions = ("retry",)
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]

    @admin.action(description="Send the selected failed emails again")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        for outbound in queryset:
            outbound_retry(outbound=outbound)
        self.message_user(request, "Queued again; the mail worker sends them within a minute.")
