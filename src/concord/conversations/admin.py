from __future__ import annotations

from django.contrib import admin

from concord.conversations.models import Conversation, Event, Message, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    search_fields = ("name",)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Conversation data changes only through services (they write the event log)."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subject",
        "channel",
        "status",
        "priority",
        "team",
        "assignee",
        "updated_at",
    )
    list_filter = ("status", "channel", "priority", "team")
    search_fields = ("subject",)
    list_select_related = ("team", "assignee")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "conversation", "direction", "visibility", "channel", "created_at")
    list_filter = ("direction", "visibility", "channel")
    list_select_related = ("conversation",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "conversation",
        "kind",
        "actor_user",
        "old_value",
        "new_value",
        "created_at",
    )
    list_filter = ("kind",)
    list_select_related = ("conversation", "actor_user")
