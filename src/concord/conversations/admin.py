from __future__ import annotations

from django.contrib import admin

from concord.common.admin import ReadOnlyAdmin
from concord.conversations.models import Conversation, Event, Message, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    search_fields = ("name",)


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
