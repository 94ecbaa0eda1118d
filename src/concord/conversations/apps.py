from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "concord.conversations"
    label = "conversations"
    verbose_name = "Conversations"
